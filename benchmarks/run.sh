#!/usr/bin/env bash
# The benchmark suite (`npm run bench`, after scripts/setup.sh has built everything):
#   bash benchmarks/run.sh [--quick] [--only udp|tcp|http] [--runs N] [--secs S]
# Results: the table on stdout, benchmarks/results/latest.json and latest.html.
# Topology: scripts/netns.sh up $RINGSOCK_BENCH_TAG (default 7), always taken down on exit.
set -uo pipefail
cd "$(dirname "$0")/.."
TAG=${RINGSOCK_BENCH_TAG:-7}
case "$TAG" in ''|*[!0-9]*) echo "run.sh: RINGSOCK_BENCH_TAG must be a number" >&2; exit 2;; esac
export RINGSOCK_BENCH_TAG=$TAG
if [ "$(id -u)" != 0 ]; then echo "run.sh: the benchmarks need root (network namespaces, XDP)" >&2; exit 1; fi

cleanup() {
  [ -n "${harness:-}" ] && kill -TERM "$harness" 2>/dev/null && wait "$harness" 2>/dev/null
  # Whatever still runs inside this run's namespaces was started by it (e.g. the harness was
  # SIGKILLed): end those processes by pid, then remove the namespaces (netns.sh down removes
  # the veth pair and any XDP program attached to it).
  local pids
  pids=$(for ns in "rs${TAG}a" "rs${TAG}b"; do ip netns pids "$ns" 2>/dev/null; done)
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null; sleep 1
    pids=$(for ns in "rs${TAG}a" "rs${TAG}b"; do ip netns pids "$ns" 2>/dev/null; done)
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  fi
  bash scripts/netns.sh down "$TAG" 2>/dev/null || true
  [ -n "${RINGSOCK_BENCH_SERVERS_DIR:-}" ] && rm -rf "$RINGSOCK_BENCH_SERVERS_DIR"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM HUP

make -s -C benchmarks/c || { echo "run.sh: building benchmarks/c failed" >&2; exit 1; }
for tool in sockperf wrk h2load openssl; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done

# The servers run from a copy outside the package (see benchmarks/README.md).
RINGSOCK_BENCH_SERVERS_DIR=$(mktemp -d /tmp/ringsock-bench-servers-XXXXXX)
export RINGSOCK_BENCH_SERVERS_DIR
node benchmarks/harness/bench.js "$@" &
harness=$!
wait "$harness"
status=$?
harness=
exit $status
