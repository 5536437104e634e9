#!/usr/bin/env bash
# Prints the path of a sysroot with the arm64 headers and static libraries the arm64 prebuilt
# links (liburing, libxdp, libbpf, libelf, zlib): Debian's :arm64 -dev packages fetched with
# `apt-get download` and unpacked into .cache/arm64-sysroot/ (git-ignored). Unpacked rather than
# installed: installing them would upgrade the host's own amd64 packages to the same versions.
# scripts/setup.sh adds the arm64 architecture to apt; glibc comes from the cross toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
PACKAGES=(liburing-dev libxdp-dev libbpf-dev libelf-dev zlib1g-dev)
root=$PWD/.cache/arm64-sysroot
stamp=$root/.packages
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "${PACKAGES[*]}" ]; then echo "$root"; exit 0; fi

fail() { echo "arm64-sysroot.sh: $*" >&2; exit 1; }
dpkg --print-foreign-architectures | grep -qx arm64 ||
  fail "apt has no arm64 architecture: run scripts/setup.sh (dpkg --add-architecture arm64; apt-get update)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ringsock-sysroot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# _apt cannot write into a root-only temp dir; the download then runs as root (apt says so).
chmod 755 "$tmp"
(cd "$tmp" && apt-get download -q "${PACKAGES[@]/%/:arm64}" >"$tmp/apt.log" 2>&1) ||
  fail "apt-get download failed: $(grep -m1 '^E:' "$tmp/apt.log" || tail -1 "$tmp/apt.log")"
rm -rf "$root.new" && mkdir -p "$root.new"
for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$root.new"; done
echo "${PACKAGES[*]}" >"$root.new/.packages"
rm -rf "$root" && mv "$root.new" "$root"
echo "$root"
