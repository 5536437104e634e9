'use strict';
// benchmarks/results/latest.html: one self-contained page (inline CSS and SVG, no external
// assets): machine facts, backend availability, and per scenario a table, a bar chart of the
// median with min–max whiskers, and a latency chart (p50 / p99) where the scenario has latency.
const fs = require('fs');
const path = require('path');
const F = require('./format');

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
const COLORS = { builtin: '#7f7f7f', uring: '#1f77b4', 'uring-busy': '#17becf', xdp: '#d62728', 'xdp-busy': '#ff7f0e', 'c-epoll': '#2ca02c', 'c-uring': '#8c564b', 'c-xdp': '#9467bd' };

/** Maps values onto [x0, x0 + width]; log10 scale when the values span more than 20×. */
function scale(values, x0, width) {
  const v = values.filter((x) => x > 0);
  const hi = Math.max(...v, 0) || 1, lo = Math.min(...v, hi);
  if (hi / lo <= 20) return { log: false, x: (q) => +(x0 + (q / hi) * width).toFixed(1) };
  const a = Math.log10(lo / 2), b = Math.log10(hi);
  return { log: true, x: (q) => +(x0 + Math.max(0.005, (Math.log10(Math.max(q, lo / 2)) - a) / (b - a)) * width).toFixed(1) };
}

function barChart(s, report) {
  const rows = s.backends.map((id) => ({ id, c: report.results[s.id][id] }));
  const ok = rows.filter((r) => r.c.status === 'ok');
  const W = 780, L = 130, R = 230, H = 26, top = 8, width = W - L - R;
  const sc = scale(ok.flatMap((r) => [r.c.value.min, r.c.value.max]), L, width);
  const h = top + rows.length * H + (sc.log ? 22 : 8);
  let g = sc.log ? `<text x="${L}" y="${h - 6}" class="na">log scale</text>` : '';
  rows.forEach((r, i) => {
    const y = top + i * H;
    g += `<text x="${L - 8}" y="${y + 16}" text-anchor="end" class="lbl">${esc(r.id)}</text>`;
    if (r.c.status !== 'ok') { g += `<text x="${L}" y="${y + 16}" class="na">unavailable</text>`; return; }
    const v = r.c.value, x = sc.x;
    g += `<rect x="${L}" y="${y + 4}" width="${Math.max(1, x(v.median) - L).toFixed(1)}" height="${H - 10}" fill="${COLORS[r.id] || '#555'}"><title>${esc(`${r.id}: median ${v.median}, min ${v.min}, max ${v.max}`)}</title></rect>`;
    if (v.n > 1) g += `<line x1="${x(v.min).toFixed(1)}" x2="${x(v.max).toFixed(1)}" y1="${y + 13}" y2="${y + 13}" class="wh"/><line x1="${x(v.min).toFixed(1)}" x2="${x(v.min).toFixed(1)}" y1="${y + 8}" y2="${y + 18}" class="wh"/><line x1="${x(v.max).toFixed(1)}" x2="${x(v.max).toFixed(1)}" y1="${y + 8}" y2="${y + 18}" class="wh"/>`;
    const ratio = r.c.ratio_vs_builtin != null && r.id !== 'builtin' ? `  ${F.ratio(r.c.ratio_vs_builtin)}` : '';
    g += `<text x="${x(v.max) + 6}" y="${y + 16}" class="val">${esc(F.num(v.median, s.metric.unit) + ' ' + s.metric.unit + ratio + (v.noisy ? ' (noisy)' : ''))}</text>`;
  });
  return `<svg class="chart" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="${esc(s.metric.label)}">${g}</svg>`;
}

function latencyChart(s, report) {
  const rows = s.backends.map((id) => ({ id, c: report.results[s.id][id] })).filter((r) => r.c.status === 'ok' && r.c.p50_us && r.c.p99_us);
  if (!rows.length) return '';
  const W = 780, L = 130, R = 150, H = 30, top = 22, width = W - L - R;
  const sc = scale(rows.flatMap((r) => [r.c.p50_us.median, r.c.p99_us.median]), L, width);
  const h = top + rows.length * H + 6;
  let g = `<text x="${L}" y="14" class="lbl">latency µs: <tspan fill="#444">■</tspan> p50  <tspan fill="#bbb">■</tspan> p99 (medians over runs)${sc.log ? ', log scale' : ''}</text>`;
  rows.forEach((r, i) => {
    const y = top + i * H, p50 = r.c.p50_us.median, p99 = r.c.p99_us.median, x = sc.x;
    g += `<text x="${L - 8}" y="${y + 18}" text-anchor="end" class="lbl">${esc(r.id)}</text>`;
    g += `<rect x="${L}" y="${y + 3}" width="${Math.max(1, x(p99) - L).toFixed(1)}" height="${H - 8}" fill="#bbb"/>`;
    g += `<rect x="${L}" y="${y + 8}" width="${Math.max(1, x(p50) - L).toFixed(1)}" height="${H - 18}" fill="${COLORS[r.id] || '#444'}"/>`;
    g += `<text x="${x(p99) + 6}" y="${y + 18}" class="val">${esc(`${F.us(p50)} / ${F.us(p99)}`)}</text>`;
  });
  return `<svg class="chart" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-label="latency">${g}</svg>`;
}

function scenarioTable(s, report) {
  const u = s.metric.unit;
  let t = `<table class="res"><thead><tr><th>backend</th><th>${esc(s.metric.label)} (${esc(u)}) median</th><th>min–max</th><th>runs</th><th>vs builtin</th><th>p50 µs</th><th>p90 µs</th><th>p99 µs</th><th>p99.9 µs</th><th>notes</th></tr></thead><tbody>`;
  for (const id of s.backends) {
    const c = report.results[s.id][id];
    if (c.status !== 'ok') { t += `<tr class="na"><td>${esc(id)}</td><td colspan="9">unavailable: ${esc(c.reason)}</td></tr>`; continue; }
    const v = c.value;
    t += `<tr><td>${esc(id)}</td><td class="n">${esc(F.num(v.median, u))}</td><td class="n">${esc(F.num(v.min, u))}–${esc(F.num(v.max, u))}</td><td class="n">${v.n}</td>`
      + `<td class="n">${esc(F.ratio(c.ratio_vs_builtin))}</td>${['p50_us', 'p90_us', 'p99_us', 'p999_us'].map((k) => `<td class="n">${esc(F.us(c.latency_us && c.latency_us[k]))}</td>`).join('')}`
      + `<td class="${c.problems.length ? 'warn' : ''}">${esc(F.cellNote(c))}</td></tr>`;
  }
  return t + '</tbody></table>';
}

/** Scenario × backend matrix of medians, with the speed-up against builtin. */
function summary(report) {
  const ids = report.backends.map((b) => b.id);
  let t = `<table class="sum"><thead><tr><th>scenario</th>${ids.map((id) => `<th>${esc(id)}</th>`).join('')}</tr></thead><tbody>`;
  for (const s of report.scenarios) {
    t += `<tr><td><a href="#${esc(s.id)}">${esc(s.id)}</a><br><small>${esc(s.metric.label)}, ${esc(s.metric.unit)}</small></td>`;
    for (const id of ids) {
      const c = report.results[s.id][id];
      if (!c) { t += '<td class="na">–</td>'; continue; }
      if (c.status !== 'ok') { t += `<td class="na" title="${esc(c.reason)}">unavailable</td>`; continue; }
      const r = c.ratio_vs_builtin, cls = r == null || id === 'builtin' ? '' : r >= 1.05 ? 'up' : r <= 0.95 ? 'down' : '';
      t += `<td class="n ${cls}"${c.runs_on ? ` title="${esc(c.runs_on)}"` : ''}>${esc(F.num(c.value.median, s.metric.unit))}${id !== 'builtin' && r != null ? `<br><small>${esc(F.ratio(r))}${c.runs_on ? ' (io_uring)' : ''}</small>` : ''}${c.problems.length ? ' <span class="warn" title="' + esc(c.problems.join('; ')) + '">!</span>' : ''}</td>`;
    }
    t += '</tr>';
  }
  return t + '</tbody></table>';
}

/** What a backend's probe found: ringsock's choice and why, or the C AF_XDP echo's attach mode. */
function probeNote(b) {
  const p = b.probe;
  if (!p) return '';
  if (typeof p.reason === 'string') return ` (${p.reason})`;
  if (p.xdp_mode) return ` (${p.xdp_mode}, ${p.zerocopy ? 'zero-copy' : 'copy mode'})`;
  return '';
}

/** Per scenario, the backend to use going by this run (harness/verdict.js). */
function workloads(report) {
  const rows = (report.workloads || []).map((w) => `<tr><td><a href="#${esc(w.scenario)}">${esc(w.scenario)}</a></td><td>${esc(w.text)}</td></tr>`).join('');
  return `<table class="work"><thead><tr><th>workload</th><th>use (speed-up against builtin)</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function render(report) {
  const m = report.machine;
  const facts = [
    ['CPU', m.cpu_model], ['cores', m.cores], ['kernel', m.kernel], ['OS', m.os], ['Node', m.node], ['memory', `${m.memory_gb} GiB`],
    ['load average (start → end)', `${m.loadavg_start.join(' ')} → ${(m.loadavg_end || []).join(' ')}`],
    ['XDP', m.xdp ? `${m.xdp.mode}, ${m.xdp.zerocopy ? 'zero-copy' : 'copy mode'} (${m.xdp.source})` : 'not measured in this run'],
    ['topology', `${report.topology.server_ns} (${report.topology.server_addr}, servers) ↔ ${report.topology.client_ns} (${report.topology.client_addr}, load): ${report.topology.link}`],
    ['CPU placement', report.cpu_pinning ? `servers on CPU ${report.cpu_pinning.servers}, load clients on CPU ${report.cpu_pinning.clients} (taskset)` : 'not pinned'],
    ['tools', `sockperf ${m.tools.sockperf || '?'}, wrk ${m.tools.wrk || '?'}`],
    ['method', `median of ${report.runs_per_cell} run(s) × ${report.secs_per_run} s per cell, min–max shown, noisy when (max−min)/median > ${report.noisy_spread}; ratio = speed-up against builtin in the same run`],
  ];
  const backs = report.backends.map((b) => `<tr class="${b.available ? '' : 'na'}"><td><span class="sw" style="background:${COLORS[b.id] || '#555'}"></span>${esc(b.id)}</td><td>${esc(b.label)}</td><td>${b.available ? 'available' + esc(probeNote(b)) : 'unavailable: ' + esc(b.reason)}</td></tr>`).join('');
  const warnings = (m.load_warnings || []).map((w) => `<p class="warn"><b>Warning:</b> ${esc(w)}</p>`).join('');
  const sections = report.scenarios.map((s) => `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2>
<p class="meta"><code>${esc(s.id)}</code> · load: <code>${esc(s.tool)}</code> · ${esc(s.metric.label)}, ${esc(s.metric.better)} is better</p>
${barChart(s, report)}
${latencyChart(s, report)}
${scenarioTable(s, report)}</section>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ringsock benchmarks ${esc(report.generated)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:22px}h2{font-size:17px;margin:28px 0 4px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}tr.na td{color:#888}td.warn{color:#b00}
.meta{color:#555;margin:0}.chart{display:block;margin:6px 0}.chart .lbl{font-size:12px}.chart .val{font-size:12px;fill:#333}
.chart .na{font-size:12px;fill:#999}td.up{background:#e6f4e6}td.down{background:#fbe9e9}td.na{color:#999}.warn{color:#b00}.chart .wh{stroke:#000;stroke-width:1.2}.sw{display:inline-block;width:10px;height:10px;margin-right:6px}
</style></head><body>
<h1>ringsock benchmarks</h1>
<p>${esc(report.generated)}${report.quick ? ' — <b>--quick</b> smoke run (1 run per cell, short runs: indicative only)' : ''}${report.only ? ` — only ${esc(report.only)}` : ''}; took ${report.duration_s} s.</p>
${warnings}
<table class="facts"><tbody>${facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</tbody></table>
<h2>Backends</h2><table class="backends"><tbody>${backs}</tbody></table>
<h2>Summary</h2><p class="meta">medians; small print: speed-up against builtin in this run (&gt; 1 is better, whichever direction the metric goes); hover "unavailable" for the reason</p>
${summary(report)}
<h2>Which backend for which workload</h2><p class="meta">going by this run: the fastest ringsock row when it beats builtin by more than 5%; xdp rows of TCP scenarios run on io_uring and are left out; busy polling keeps a core busy</p>
${workloads(report)}
${sections}
</body></html>
`;
}

function write(dir, report) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'latest.html');
  fs.writeFileSync(file + '.tmp', render(report));
  fs.renameSync(file + '.tmp', file);
  return file;
}

module.exports = { write, render };
