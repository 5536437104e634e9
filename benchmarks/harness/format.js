'use strict';
// Number formatting shared by the table and the HTML report.
function num(x, unit) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  if (unit === 'Gbit/s') return x.toFixed(2);
  if (unit === 'µs') return x >= 100 ? x.toFixed(0) : x.toFixed(1);
  if (Math.abs(x) >= 1e6) return (x / 1e6).toFixed(2) + ' M';
  if (Math.abs(x) >= 1e4) return (x / 1e3).toFixed(1) + ' k';
  return x.toFixed(0);
}
function us(x) { return num(x, 'µs'); }
function ratio(r) { return r === null || r === undefined ? '–' : `${r.toFixed(2)}×`; }
function cellNote(c) {
  const notes = [];
  if (c.runs_on) notes.push(c.runs_on);
  if (c.value && c.value.noisy) notes.push('noisy');
  if (c.failed_runs) notes.push(`${c.failed_runs} run(s) failed`);
  const pct = (c.runs || []).map((r) => r.delivered_pct).filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (pct.length) notes.push(`delivered ${pct[pct.length >> 1]}% of sent`);
  // h2load prints no percentiles: its mean request time stands in the notes (median over runs).
  const mean = (c.runs || []).map((r) => r.mean_us).filter((x) => typeof x === 'number').sort((a, b) => a - b);
  if (mean.length) notes.push(`mean request time ${us(mean[mean.length >> 1])} µs`);
  if (c.problems && c.problems.length) notes.push(...c.problems);
  return notes.join('; ');
}
module.exports = { num, us, ratio, cellNote };
