#!/usr/bin/env bash
# Smoke test of the benchmark suite: runs `benchmarks/run.sh --quick` on its own topology tag
# (RINGSOCK_BENCH_TAG, default 8, so it does not collide with a full run on tag 7), then checks
# that latest.json is complete and well-formed (every scenario × backend cell has numbers or an
# explicit "unavailable: reason"), that latest.html holds the tables and charts, and that no
# namespace, XDP program or server process of the run is left. Prints
# "bench-smoke: N passed, M failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export RINGSOCK_BENCH_TAG=${RINGSOCK_BENCH_TAG:-8}
TAG=$RINGSOCK_BENCH_TAG
pass=0; fail=0
ok()  { pass=$((pass + 1)); echo "  ok   $*"; }
bad() { fail=$((fail + 1)); echo "  FAIL $*"; }

log=$(mktemp /tmp/bench-smoke.XXXXXX)
trap 'rm -f "$log"; bash scripts/netns.sh down "$TAG" >/dev/null 2>&1 || true' EXIT
start=$(date +%s)
echo "bench-smoke: bash benchmarks/run.sh --quick (tag $TAG)"
if timeout -k 10 600 bash benchmarks/run.sh --quick >"$log" 2>&1; then ok "run.sh --quick exited 0 ($(( $(date +%s) - start )) s)"
else bad "run.sh --quick failed (exit $?); last lines:"; tail -15 "$log" | sed 's/^/       /'; fi
grep -q '^udp-echo-w32 — ' "$log" && ok "final table printed" || bad "no final table on stdout"
grep -qE '^\[ *[0-9]+/[0-9]+\] .*, ETA [0-9]' "$log" && ok "progress lines carry an ETA" || bad "no ETA on the progress lines"
grep -q '^Which backend for which workload' "$log" && ok "the table ends with the per-workload summary" || bad "no per-workload summary in the table"

# JSON and HTML checks, one "ok"/"FAIL" line each.
node - <<'JS' >"$log.checks" 2>&1
const fs = require('fs');
const out = (good, what) => console.log(`${good ? 'ok' : 'FAIL'} ${what}`);
let r;
try { r = JSON.parse(fs.readFileSync('benchmarks/results/latest.json', 'utf8')); out(true, 'latest.json parses'); }
catch (e) { out(false, `latest.json: ${e.message}`); process.exit(0); }
const age = (Date.now() - Date.parse(r.generated)) / 1000;
out(age >= 0 && age < 900, `latest.json is from this run (${Math.round(age)} s old)`);
out(r.quick === true, 'latest.json says --quick');
const m = r.machine || {};
out(m.cpu_model && m.cores > 0 && m.kernel && m.node, `machine facts (${m.cpu_model}, ${m.cores} cores, ${m.kernel})`);
out(Array.isArray(r.scenarios) && r.scenarios.length >= 5, `${(r.scenarios || []).length} scenarios`);
const groups = new Set((r.scenarios || []).map((s) => s.group));
out(['udp', 'tcp', 'http'].every((g) => groups.has(g)), `scenario groups: ${[...groups].join(', ')}`);
const ids = new Set((r.backends || []).map((b) => b.id));
out(['builtin', 'uring', 'xdp', 'c-epoll', 'c-xdp'].every((b) => ids.has(b)), `backend rows: ${[...ids].join(', ')}`);
for (const b of r.backends || []) {
  if (!b.available) out(typeof b.reason === 'string' && b.reason.length > 0, `backend ${b.id} unavailable with a reason`);
}
let cells = 0, nums = 0, unav = 0, badCells = [];
const num = (x) => typeof x === 'number' && Number.isFinite(x);
for (const s of r.scenarios || []) {
  for (const b of s.backends) {
    cells++;
    const c = r.results && r.results[s.id] && r.results[s.id][b];
    if (c && c.status === 'ok' && c.value && num(c.value.median) && num(c.value.min) && num(c.value.max) && c.value.median > 0 && c.value.n >= 1 && Array.isArray(c.runs) && c.runs.length === c.value.n) nums++;
    else if (c && c.status === 'unavailable' && typeof c.reason === 'string' && c.reason.length > 0) unav++;
    else badCells.push(`${s.id}×${b}`);
  }
}
out(badCells.length === 0, `${cells} cells: ${nums} with numbers, ${unav} unavailable with a reason${badCells.length ? '; malformed: ' + badCells.join(' ') : ''}`);
const mustWork = [];
for (const s of r.scenarios || []) for (const b of s.backends) if (['builtin', 'c-epoll', 'c-xdp'].includes(b)) mustWork.push([s.id, b]);
const broken = mustWork.filter(([s, b]) => r.results[s][b].status !== 'ok');
out(broken.length === 0, `builtin and C reference cells all measured${broken.length ? '; not: ' + broken.map((x) => x.join('×')).join(' ') : ''}`);
const kinds = Object.fromEntries((r.backends || []).map((b) => [b.id, b]));
const unproven = [];
for (const s of r.scenarios || []) for (const b of s.backends) {
  const c = r.results[s.id][b], k = kinds[b];
  if (k && k.kind === 'ringsock' && c.status === 'ok' && !(c.backend_info && c.backend_info.name === k.env.RINGSOCK_BACKEND && c.backend_info.modules && c.backend_info.modules[s.module])) unproven.push(`${s.id}×${b}`);
}
out(unproven.length === 0, `every ringsock cell with numbers ran on that backend and on ringsock's module${unproven.length ? '; not: ' + unproven.join(' ') : ''}`);
const wl = r.workloads || [];
out(wl.length === (r.scenarios || []).length && wl.every((w) => typeof w.text === 'string' && w.text.length > 0),
  `a "which backend for which workload" line per scenario (${wl.length})`);
const tcpXdp = (r.scenarios || []).filter((s) => s.module === 'net').flatMap((s) => ['xdp', 'xdp-busy'].filter((b) => s.backends.includes(b)).map((b) => [s.id, b]));
const unmarked = tcpXdp.filter(([s, b]) => !/runs on io_uring/.test(r.results[s][b].runs_on || ''));
out(tcpXdp.length > 0 && unmarked.length === 0, `xdp cells of TCP scenarios say they run on io_uring (${tcpXdp.length})${unmarked.length ? '; not: ' + unmarked.map((x) => x.join('×')).join(' ') : ''}`);
out(Array.isArray(m.load_warnings), `load-average warnings reported (${(m.load_warnings || []).length})`);
const withRatio = (r.scenarios || []).every((s) => r.results[s.id].builtin.status !== 'ok' || r.results[s.id].builtin.ratio_vs_builtin === 1);
out(withRatio, 'ratios against builtin present');
let html = '';
try { html = fs.readFileSync('benchmarks/results/latest.html', 'utf8'); out(true, `latest.html exists (${html.length} bytes)`); }
catch (e) { out(false, `latest.html: ${e.message}`); }
if (html) {
  out(/^<!doctype html>/i.test(html) && /<\/html>\s*$/.test(html), 'latest.html is a whole document');
  const sections = (r.scenarios || []).filter((s) => html.includes(`<section id="${s.id}">`)).length;
  out(sections === r.scenarios.length, `latest.html has a section per scenario (${sections})`);
  const tables = (html.match(/<table class="res">/g) || []).length, svgs = (html.match(/<svg class="chart"/g) || []).length;
  out(tables === r.scenarios.length && svgs >= r.scenarios.length, `latest.html: ${tables} result tables, ${svgs} inline SVG charts`);
  out(!/<(script|link|img)\b[^>]*(src|href)=["']?https?:/i.test(html), 'latest.html loads no external assets');
  out(!/undefined|NaN/.test(html), 'latest.html shows no "undefined" or "NaN"');
  out(html.includes('Which backend for which workload'), 'latest.html has the per-workload summary');
}
JS
while read -r word rest; do
  if [ "$word" = ok ]; then ok "$rest"; else bad "$rest"; fi
done <"$log.checks"
rm -f "$log.checks"

# Nothing left behind.
left=$(ip netns list | awk '{print $1}' | grep -E "^rs${TAG}[ab]$" || true)
[ -z "$left" ] && ok "no rs${TAG}a/rs${TAG}b namespace left" || bad "namespaces left: $left"
others=$(ip netns list | awk '{print $1}' | grep -E '^rs[0-9]+[ab]$' || true)
[ -n "$others" ] && echo "  note: other rs* namespaces exist (not this run's): $(echo $others)"
if ip -d link show 2>/dev/null | grep -q 'rsb_xsk_steer'; then bad "benchmark XDP program still attached in the root namespace"
else ok "no benchmark XDP program attached"; fi
if pgrep -f "benchmarks/(servers/|bin/)" >/dev/null; then bad "benchmark processes still running: $(pgrep -af 'benchmarks/(servers/|bin/)' | head -3 | tr '\n' ';')"
else ok "no benchmark server or client process left"; fi

echo "bench-smoke: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
