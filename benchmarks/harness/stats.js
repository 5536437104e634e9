'use strict';
// Summaries of repeated runs: median with min–max; "noisy" when the spread is wide.
const NOISY_SPREAD = 0.25;   // (max - min) / median above this marks a cell noisy

function summarize(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const n = v.length, mid = n >> 1;
  const median = n % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  const spread = median ? (v[n - 1] - v[0]) / Math.abs(median) : 0;
  return { median: round(median, 3), min: round(v[0], 3), max: round(v[n - 1], 3), n, spread: round(spread, 3), noisy: n >= 2 ? spread > NOISY_SPREAD : null };
}

function round(x, d = 2) {
  if (x === null || x === undefined || !Number.isFinite(x)) return x;
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** Speed-up against builtin: > 1 means better than builtin, whichever direction is better. */
function ratio(value, base, better) {
  if (!base || !value) return null;
  return round(better === 'lower' ? base / value : value / base, 2);
}

module.exports = { summarize, ratio, round, NOISY_SPREAD };
