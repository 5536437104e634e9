#!/usr/bin/env bash
# The arm64 prebuilt under qemu-user: an arm64 Node (scripts/node-arm64.sh) loads
# prebuilds/linux-arm64/node.napi.glibc.node and calls into it, and test/registry.test.js passes
# on that Node. qemu-user has no io_uring (io_uring_setup is ENOSYS), so the backends fall back
# to Node's sockets there, with the probe's own sentence. The tests' child processes are arm64
# too: a binfmt_misc entry for qemu-aarch64 in a user namespace of this run only (Linux >= 6.7
# gives each user namespace its own binfmt_misc), never the host's.
set -uo pipefail
cd "$(dirname "$0")/.."
addon=prebuilds/linux-arm64/node.napi.glibc.node
[ -f "$addon" ] || bash scripts/prebuild.sh arm64 || { echo "1 test failed"; exit 1; }
node=$(bash scripts/node-arm64.sh) || { echo "1 test failed"; exit 1; }
qemu=$(command -v qemu-aarch64-static) || { echo "arm64.sh: qemu-user-static is missing (scripts/setup.sh)"; echo "1 test failed"; exit 1; }
magic='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
export QEMU_LD_PREFIX=/usr/aarch64-linux-gnu RINGSOCK_ADDON=$PWD/$addon NODE=$node
exec unshare --user --map-root-user --mount --propagation private bash -c "
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc &&
  printf '%s' ':qemu-aarch64:M::$magic:$mask:$qemu:F' >/proc/sys/fs/binfmt_misc/register || exit 1
  arch=\$(\"\$NODE\" -p 'process.arch + \" \" + process.version')
  probe=\$(\"\$NODE\" -p 'require(process.env.RINGSOCK_ADDON).uringProbe()')
  echo \"== arm64 Node (\$arch) under qemu-user: uringProbe() says: \$probe\"
  case \"\$probe\" in
    *io_uring_setup*) echo '  ok: the arm64 prebuilt loads and runs its probe'; echo '1 test passed' ;;
    *) echo '  FAIL: the arm64 prebuilt did not answer its probe'; echo '1 test failed'; exit 1 ;;
  esac
  RINGSOCK_BACKEND= KERNEL_BYPASS= RINGSOCK_STRICT= timeout 600 \"\$NODE\" node_modules/ava/entrypoints/cli.mjs test/registry.test.js
"
