#!/usr/bin/env bash
# Builds the addons the npm package ships: prebuilds/linux-x64/ and prebuilds/linux-arm64/
# node.napi.glibc.node (node-gyp-build's layout; N-API 8, so one file serves Node 20 to 24).
# liburing, libxdp, libbpf, libelf, zlib and the C++ runtime are linked in (binding.gyp
# ringsock_static=1): the file needs glibc only. Debian's .a files are made for executables, so
# libelf is rebuilt position-independent (scripts/libelf-pic.sh) and the libbpf/libxdp copies
# read glibc's stderr through the addon (native/static/stderr.cc). arm64 is cross-compiled with Debian's
# gcc-aarch64-linux-gnu against scripts/arm64-sysroot.sh. `bash scripts/prebuild.sh [x64] [arm64]`;
# a target newer than every native source is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
for arch in ${*:-x64 arm64}; do
  out=prebuilds/linux-$arch/node.napi.glibc.node
  if [ -f "$out" ] && [ -z "$(find native binding.gyp scripts/prebuild.sh scripts/libelf-pic.sh -newer "$out" -print -quit)" ]; then
    continue
  fi
  case $arch in
    x64) tools=(); lib=/usr/lib/x86_64-linux-gnu; inc=''; strip=strip; objcopy=objcopy ;;
    arm64)
      sysroot=$(bash scripts/arm64-sysroot.sh)
      tools=(CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++)
      lib=$sysroot/usr/lib/aarch64-linux-gnu; inc=$sysroot/usr/include; strip=aarch64-linux-gnu-strip; objcopy=aarch64-linux-gnu-objcopy ;;
    *) echo "prebuild.sh: unknown target '$arch' (x64, arm64)" >&2; exit 2 ;;
  esac
  # node-gyp builds into ./build: a staging directory per target keeps the tree's own build/.
  stage=$root/.cache/prebuild/$arch
  mkdir -p "$stage/lib"
  cp "$lib/liburing.a" "$lib/libz.a" "$stage/lib/"
  for a in libbpf libxdp; do
    "${objcopy}" --redefine-sym stderr=ringsock_stderr "$lib/$a.a" "$stage/lib/$a.a"
  done
  cp "$(bash scripts/libelf-pic.sh "$arch")" "$stage/lib/libelf.a"
  cp binding.gyp "$stage/"
  ln -sfn "$root/native" "$stage/native"
  ln -sfn "$root/node_modules" "$stage/node_modules"
  echo "prebuild.sh: building linux-$arch" >&2
  if ! (cd "$stage" && env "${tools[@]}" npx --no-install node-gyp rebuild --arch="$arch" --jobs="${JOBS:-2}" \
      --ringsock_static=1 --ringsock_libdir="$stage/lib" --ringsock_incdir="$inc") >"$stage/build.log" 2>&1; then
    tail -30 "$stage/build.log" >&2
    echo "prebuild.sh: the linux-$arch build failed (log: $stage/build.log)" >&2
    exit 1
  fi
  mkdir -p "$(dirname "$out")"
  "$strip" --strip-unneeded -o "$out.tmp" "$stage/build/Release/ringsock.node"
  mv -f "$out.tmp" "$out"
  echo "prebuild.sh: $out ($(du -k "$out" | cut -f1) KiB)" >&2
done
