'use strict';
// The final table on stdout.
const F = require('./format');

function pad(s, n, right) { s = String(s); return right ? s.padStart(n) : s.padEnd(n); }

function render(report) {
  const L = [];
  const m = report.machine;
  L.push('');
  L.push(`ringsock benchmarks — ${report.generated}${report.quick ? ' (--quick: 1 run per cell, short runs)' : ''}`);
  L.push(`machine: ${m.cpu_model}, ${m.cores} cores, kernel ${m.kernel}, ${m.os}, Node ${m.node}; load avg at start ${m.loadavg_start.join(' ')}`);
  L.push(`XDP: ${m.xdp ? `${m.xdp.mode} mode, ${m.xdp.zerocopy ? 'zero-copy' : 'copy'} (${m.xdp.source})` : 'not measured in this run'}`);
  L.push(`CPU placement: ${report.cpu_pinning ? `servers on CPU ${report.cpu_pinning.servers}, load clients on CPU ${report.cpu_pinning.clients}` : 'not pinned'}`);
  L.push(`cells: median of ${report.runs_per_cell} run(s) × ${report.secs_per_run} s; min–max shown; "noisy" when (max−min)/median > ${report.noisy_spread}`);
  for (const w of m.load_warnings || []) L.push(`WARNING: ${w}`);
  for (const b of report.backends) if (!b.available) L.push(`  ${b.id}: unavailable: ${b.reason}`);
  for (const s of report.scenarios) {
    L.push('');
    L.push(`${s.id} — ${s.title}`);
    L.push(`  ${s.metric.label} (${s.metric.unit}, ${s.metric.better} is better); ratio = speed-up vs builtin`);
    L.push('  ' + [pad('backend', 14), pad('median', 10, 1), pad('min–max', 21, 1), pad('ratio', 7, 1), pad('p50 µs', 8, 1), pad('p99 µs', 8, 1), '  notes'].join(' '));
    for (const bid of s.backends) {
      const c = report.results[s.id][bid];
      if (c.status !== 'ok') { L.push('  ' + pad(bid, 14) + ' unavailable: ' + c.reason); continue; }
      const v = c.value, u = s.metric.unit;
      L.push('  ' + [pad(bid, 14), pad(F.num(v.median, u), 10, 1), pad(`${F.num(v.min, u)}–${F.num(v.max, u)}`, 21, 1),
        pad(F.ratio(c.ratio_vs_builtin), 7, 1), pad(F.us(c.p50_us && c.p50_us.median), 8, 1), pad(F.us(c.p99_us && c.p99_us.median), 8, 1),
        '  ' + F.cellNote(c)].join(' '));
    }
  }
  L.push('');
  L.push('Which backend for which workload (this run; ratio = speed-up vs builtin):');
  for (const w of report.workloads || []) L.push(`  ${pad(w.scenario, 21)} ${w.text}`);
  L.push('');
  return L.join('\n');
}

module.exports = { render };
