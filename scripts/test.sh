#!/usr/bin/env bash
# The README's test command (npm test runs scripts/setup.sh first, then this).
# The same ava files run once per backend; RINGSOCK_STRICT=1 makes a backend that
# cannot run here fail loudly instead of silently testing the fallback.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
# 5,000 concurrent connections need more descriptors than the default 1,024.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
passed=0; failed=0; skipped=0
log=$(mktemp); trap 'rm -f "$log"' EXIT
# Runs one step and adds its "N passed / N failed" counts (ava, our C tests) to the totals.
run() {
  echo "== $*"
  "$@" 2>&1 | tee "$log"; local rc=${PIPESTATUS[0]}
  local p f s
  p=$(grep -oE '^ *[0-9]+ tests? passed' "$log" | grep -oE '[0-9]+' | tail -1)
  f=$(grep -oE '^ *[0-9]+ (tests?|known failures?) failed' "$log" | grep -oE '[0-9]+' | head -1)
  s=$(grep -oE '^ *[0-9]+ tests? skipped' "$log" | grep -oE '[0-9]+' | tail -1)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
  if [ "$rc" != 0 ]; then status=1; [ -z "$f" ] && failed=$((failed + 1)); fi
}

# Pure C tests of packet code (no root, no NIC).
[ -x build/stack_tests ] && run build/stack_tests
[ -f native/xdp/stack/Makefile ] && run make -s -C native/xdp/stack test
# The io_uring transports driven without Node (TCP and UDP over loopback, ENOBUFS re-arm, EMFILE on accept).
run make -s -C native/test
# The frame parser and the kernel's acceptance rules under libFuzzer (ASan + UBSan), bounded.
run make -s -C native/xdp/stack fuzz FUZZ_SECONDS="${RINGSOCK_FUZZ_SECONDS:-30}"

# Backend-independent tests (registry, register hook, typings, addon lookup; limits: memlock and seccomp fallbacks;
# stats() and the prom-client collector, which pick the uring backend themselves).
run npx ava test/registry.test.js test/register.test.js test/typings.test.js test/addon-file.test.js test/limits.test.js test/stats.test.js test/metrics.test.js

# The npm package as users install it (loopback only): packed tarball in fresh projects without a
# compiler or -dev headers (about a minute), and the arm64 prebuilt under qemu-user (about 20 s).
run bash test/package.sh
run bash test/arm64.sh

for backend in ${RINGSOCK_TEST_BACKENDS:-node uring xdp}; do
  files=(test/dgram.test.js test/example.test.js test/udp-peers.test.js)
  files+=(test/net.test.js test/peers.test.js test/https.test.js)
  [ "$backend" = xdp ] && files+=(test/xdp.test.js test/xdp-host.test.js test/xdp-diff.test.js test/xdp-queues.test.js)
  [ "$backend" = xdp ] && files+=(test/metrics-xdp.test.js)  # ringsock/metrics across the veth pair
  # cluster/PM2 on loopback: node (the checks against Node's own sockets) and uring. Under xdp a
  # worker's TCP is the same io_uring code, and one NIC queue per worker is xdp-queues.test.js'.
  [ "$backend" != xdp ] && files+=(test/cluster.test.js)
  RINGSOCK_BACKEND=$backend RINGSOCK_STRICT=1 run npx ava "${files[@]}"
done

# ringsock's net layer over libuv's own handles: the TS layer checked apart from any ring.
RINGSOCK_BACKEND=node RINGSOCK_NET_LIBUV=1 RINGSOCK_STRICT=1 run npx ava test/net.test.js

# Node 22 and 24 (scripts/node-major.sh fetches each once into .cache/nodeN/), uring backend.
# ava runs from its cli.mjs on that binary, so its workers and the tests' child processes
# (process.execPath) run on that Node too. RINGSOCK_TEST_NODE22=0 / RINGSOCK_TEST_NODE24=0
# leave a version out.
for major in 22 24; do
  var=RINGSOCK_TEST_NODE$major
  [ "${!var:-1}" = 0 ] && continue
  if nodebin=$(bash scripts/node-major.sh "$major"); then
    RINGSOCK_BACKEND=uring RINGSOCK_STRICT=1 run "$nodebin" node_modules/ava/entrypoints/cli.mjs \
      test/registry.test.js test/register.test.js test/limits.test.js test/dgram.test.js test/net.test.js test/metrics.test.js \
      test/cluster.test.js
  else
    echo "== Node $major: scripts/node-major.sh failed, its tests did not run"; status=1; failed=$((failed + 1))
  fi
done

# Node's own test-dgram/net/http/https/tls files under the register hook: v20's on this
# machine's Node, v22's (with http2, diagnostics-channel and perf_hooks ones) on Node 22 and on
# Node 24 (Node 24's own files are not served by Debian here, docs/DESIGN.md). About 8 + 9 + 10-19
# minutes. RINGSOCK_TEST_NODE_SUITE=0 leaves them out.
if [ "${RINGSOCK_TEST_NODE_SUITE:-1}" != 0 ]; then
  run bash scripts/node-suite.sh uring 20
  for major in 22 24; do
    var=RINGSOCK_TEST_NODE$major
    [ "${!var:-1}" = 0 ] && continue
    nodebin=$(bash scripts/node-major.sh "$major") && run bash scripts/node-suite.sh uring 22 "$nodebin"
  done
fi

[ -f test/bench-smoke.sh ] && run bash test/bench-smoke.sh
run bash scripts/netns.sh check-clean
echo "test.sh: $passed passed, $failed failed, $skipped skipped"
exit $status
