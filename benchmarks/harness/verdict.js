'use strict';
// What a reader of the report needs beyond the numbers: what really runs in a cell whose row
// name says otherwise (TCP is never bypassed), which backend to pick for which workload going
// by this run, whether other work loaded the machine, and how long the run has left.

/** What runs in scenario s on backend b when the row's name says otherwise, else null. */
function runsOn(s, b) {
  if (b.kind === 'ringsock' && b.env.RINGSOCK_BACKEND === 'xdp' && s.module === 'net') {
    return 'TCP is not bypassed: runs on io_uring (AF_XDP carries UDP only)';
  }
  return null;
}

/**
 * Load-average warnings. The run itself keeps about one core per side busy (servers pinned to
 * one CPU, load clients to another), so only load beyond that is other work.
 */
function loadWarnings(m) {
  const out = [];
  const start = m.loadavg_start && m.loadavg_start[0], end = m.loadavg_end && m.loadavg_end[0];
  if (start > m.cores * 0.5) {
    out.push(`load average ${start} at the start on ${m.cores} cores: other work was running; figures may be low and noisy`);
  }
  if (end > m.cores + 1) {
    out.push(`load average ${end} at the end, above the ~${Math.min(2, m.cores)} this run makes by itself: other work ran alongside`);
  }
  return out;
}

const EVEN = 0.05;   // within 5% of builtin is "about even" on this machine's noise

/** Per scenario: the ringsock row to use for that workload going by this run, in one line. */
function workloads(report) {
  const kinds = Object.fromEntries(report.backends.map((b) => [b.id, b]));
  return report.scenarios.map((s) => {
    const rows = s.backends.map((id) => ({ id, b: kinds[id], c: report.results[s.id][id] }))
      .filter((r) => r.b.kind === 'ringsock' && r.c.status === 'ok' && r.c.ratio_vs_builtin != null)
      // An xdp row of a TCP scenario measures the io_uring path again (runsOn above).
      .filter((r) => !r.c.runs_on);
    const best = rows.reduce((a, r) => (!a || r.c.ratio_vs_builtin > a.c.ratio_vs_builtin ? r : a), null);
    const plain = rows.filter((r) => !r.b.busy).reduce((a, r) => (!a || r.c.ratio_vs_builtin > a.c.ratio_vs_builtin ? r : a), null);
    const fmt = (r) => `${r.id} ${r.c.ratio_vs_builtin.toFixed(2)}×${r.c.value.noisy ? ' (noisy)' : ''}`;
    let pick = null, text;
    if (!best) text = 'no ringsock row measured';
    else if (best.c.ratio_vs_builtin < 1 - EVEN) { pick = 'builtin'; text = `builtin: every ringsock row is slower (best ${fmt(best)})`; }
    else if (best.c.ratio_vs_builtin <= 1 + EVEN) { pick = 'builtin'; text = `about even with builtin (best ${fmt(best)})`; }
    else {
      pick = best.id;
      text = fmt(best);
      if (best.b.busy && plain && plain.c.ratio_vs_builtin > 1 + EVEN) text += `; without busy polling (which keeps a core busy): ${fmt(plain)}`;
    }
    return { scenario: s.id, title: s.title, pick, text };
  });
}

/** "ETA 3 min 20 s" from the time the measured runs so far took, or '' before the first. */
function eta(elapsedMs, measured, remaining) {
  if (!measured || !remaining) return '';
  const s = Math.round((elapsedMs / measured) * remaining / 1000);
  return `ETA ${s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`}`;
}

module.exports = { runsOn, loadWarnings, workloads, eta };
