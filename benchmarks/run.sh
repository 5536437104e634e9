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
  # netns.sh down removes the veth pair and any XDP program attached to it
  [ -n "${harness:-}" ] && kill -TERM "$harness" 2>/dev/null && wait "$harness" 2>/dev/null
  bash scripts/netns.sh down "$TAG" 2>/dev/null || true
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM HUP

make -s -C benchmarks/c || { echo "run.sh: building benchmarks/c failed" >&2; exit 1; }
for tool in sockperf wrk; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done

node benchmarks/harness/bench.js "$@" &
harness=$!
wait "$harness"
status=$?
harness=
exit $status
