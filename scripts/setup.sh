#!/usr/bin/env bash
# Brings a fresh Debian 12 machine to a built ringsock: Debian packages (only when missing),
# npm ci, native addon, BPF object, TypeScript. Safe to run again; does nothing twice.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential python3 pkg-config clang llvm libclang-rt-14-dev
  liburing-dev libxdp-dev libbpf-dev libelf-dev zlib1g-dev libuv1-dev
  iproute2 ethtool iputils-ping curl xz-utils openssl
  sockperf wrk nghttp2-client iperf3 socat redis-server redis-tools knot-dnsutils dnsperf tcpdump xdp-tools
  # the package's prebuilt addons (scripts/prebuild.sh): arm64 cross toolchain, dpkg-source for
  # libelf's source, qemu-user for the arm64 test (test/arm64.sh)
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu dpkg-dev qemu-user-static
)
# scripts/arm64-sysroot.sh fetches Debian's :arm64 -dev packages (apt-get download, not installed).
if [ "$(id -u)" = 0 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  apt-get update -q >/dev/null
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    echo "ringsock setup: missing Debian packages (${missing[*]}); run this as root or install them" >&2
    exit 1
  fi
  echo "ringsock setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}" >/dev/null
  # redis-server's package starts a system instance; tests start their own on other ports.
  systemctl stop redis-server >/dev/null 2>&1 || true
fi

# npm ci only when the lock changed since the last install.
stamp=node_modules/.ringsock-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  npm ci --no-audit --no-fund
  cp package-lock.json "$stamp"
fi

# npm ci's install step builds the addon only once dist/ exists (scripts/install.js); rebuild
# when it is missing or a native source is newer.
addon=build/Release/ringsock.node
if [ ! -f "$addon" ] || [ -n "$(find native binding.gyp -newer "$addon" -print -quit)" ]; then
  npx node-gyp rebuild >build-native.log 2>&1 || { cat build-native.log >&2; exit 1; }
  rm -f build-native.log
fi
# test/limits.test.js runs apps under a seccomp filter that denies one io_uring call.
[ build/deny_syscall -nt test/helpers/deny_syscall.c ] || cc -O2 -Wall -o build/deny_syscall test/helpers/deny_syscall.c
make -s -C bpf
make -s -C benchmarks/c
npx tsc -p tsconfig.json
echo "ringsock setup: built ($(node -v), $(uname -r))"
