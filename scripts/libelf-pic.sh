#!/usr/bin/env bash
# Prints the path of a position-independent libelf.a for `bash scripts/libelf-pic.sh x64|arm64`.
# Debian's libelf.a cannot go into a shared object (elf_error.o reaches its thread-local error
# with the local-exec TLS model: "relocation R_X86_64_TPOFF32 ... recompile with -fPIC"), so the
# prebuilt addon links libelf_pic.a built from Debian's own elfutils source, the version of the
# installed libelf-dev (its headers are the ones compiled against). The source comes through
# apt-get source with a private sources list (.cache/elfutils/apt), leaving the host's apt as it
# is; the build lands in .cache/elfutils/<version>/<arch>/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:?usage: libelf-pic.sh x64|arm64}
fail() { echo "libelf-pic.sh: $*" >&2; exit 1; }
version=$(dpkg-query -W -f='${source:Version}' libelf-dev 2>/dev/null) || fail "libelf-dev is not installed (scripts/setup.sh)"
cache=$PWD/.cache/elfutils
out=$cache/$version/$arch/libelf/libelf_pic.a
[ -f "$out" ] && { echo "$out"; exit 0; }
src=$cache/$version/src
if [ ! -f "$src/configure" ]; then
  apt=$cache/apt
  mkdir -p "$apt/lists/partial" "$cache/dl"
  printf 'deb-src http://deb.debian.org/debian bookworm main\ndeb-src http://deb.debian.org/debian-security bookworm-security main\n' >"$apt/sources.list"
  opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent -o "Dir::State::Lists=$apt/lists")
  apt-get "${opts[@]}" update -q >"$cache/apt.log" 2>&1 || fail "apt-get update (deb-src) failed: $(tail -1 "$cache/apt.log")"
  # _apt downloads into a directory it can write; apt checks the files against the signed index.
  chmod 777 "$cache/dl"
  (cd "$cache/dl" && apt-get "${opts[@]}" source --download-only "elfutils=$version") >>"$cache/apt.log" 2>&1 ||
    fail "apt-get source elfutils=$version failed: $(tail -1 "$cache/apt.log")"
  rm -rf "$src.new" && mkdir -p "$cache/$version"
  dpkg-source -x "$cache/dl/elfutils_$version.dsc" "$src.new" >>"$cache/apt.log" 2>&1 || fail "dpkg-source -x failed"
  mv "$src.new" "$src"
fi

case $arch in
  x64) cross=() ;;
  arm64)
    sysroot=$(bash scripts/arm64-sysroot.sh)
    cross=(--host=aarch64-linux-gnu "CPPFLAGS=-I$sysroot/usr/include" "LDFLAGS=-L$sysroot/usr/lib/aarch64-linux-gnu") ;;
  *) fail "unknown target '$arch' (x64, arm64)" ;;
esac
build=$cache/$version/$arch
rm -rf "$build" && mkdir -p "$build"
# Only libelf (and lib/, its helpers) is built: no debuginfod, no compressors but zlib.
(cd "$build" && "$src/configure" "${cross[@]}" --disable-debuginfod --disable-libdebuginfod \
  --without-bzlib --without-lzma --without-zstd --disable-nls --disable-demangler &&
  make -C lib -j"${JOBS:-2}" && make -C libelf -j"${JOBS:-2}" libelf_pic.a) >"$build/build.log" 2>&1 ||
  { tail -20 "$build/build.log" >&2; fail "building libelf for $arch failed (log: $build/build.log)"; }
echo "$out"
