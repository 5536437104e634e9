'use strict';
// Compares a kernel pass and a bypass pass (test/diff/pass.js) frame kind by frame kind:
// what each delivered (socket, source, port, bytes), the ICMP errors the sender got back, and
// whether each bypass drop was counted (ringsock's counters for redirected frames, the kernel
// half's for passed ones, by comparable reason: allowed.js).
const counters = require('./counters');
const { COMPARABLE, allowed } = require('./allowed');

const PASSED = ['bpf.passed', 'bpf.fragments_passed', 'bpf.options_passed', 'bpf.not_local_passed', 'bpf.no_xsk'];

// ringsock counters that are not drops; every other counter that moved is one (new drop
// reasons the native side adds count without a change here).
const notDrop = (k) => /^(bpf\.|q0\.|valid$|malformed$|refused$|mode$|sock\d+\.rx$)/.test(k);

function rsDrops(rs) {
  return Object.entries(rs).filter(([k, v]) => v > 0 && !notDrop(k))
    .map(([k, v]) => ({ name: k, reason: k.replace(/^sock\d+\./, '').split('.').pop(), n: v }));
}

const norm = (list) => (list || []).map((m) => `${m.sock} ${m.from}:${m.port} ${m.hex}`).sort();
const names = (drops) => drops.map((d) => d.replace(/\+\d+$/, ''));
const socks = (list) => [...new Set((list || []).map((m) => m.sock))].join(',');

function describeKernel(e, delivered) {
  const d = counters.drops(e.kernel);
  const r = e.reasons && e.reasons.length ? ` [${[...new Set(e.reasons)].join(',')}]` : '';
  const icmp = e.peer.length ? ` icmp:${e.peer.join(',')}` : '';
  if (delivered) return `delivered ${socks(delivered)}${d.length ? ' ' + d.join(' ') : ''}${icmp}`;
  return `dropped ${d.length ? d.join(' ') : '(no counter)'}${r}${icmp}`;
}

function describeBypass(e, delivered) {
  const redirected = e.rs['bpf.redirected'] || 0;
  const passed = PASSED.reduce((a, k) => a + (e.rs[k] || 0), 0);
  const via = redirected && passed ? 'xsk+kernel half' : redirected ? 'xsk' : passed ? 'kernel half' : 'unseen';
  const rs = rsDrops(e.rs).map((x) => (x.n === 1 ? x.name : `${x.name}+${x.n}`));
  const k = counters.drops(e.kernel);
  const icmp = e.peer.length ? ` icmp:${e.peer.join(',')}` : '';
  const c = [...rs, ...k].join(' ');
  if (delivered) return `delivered ${socks(delivered)} (${via})${c ? ' ' + c : ''}${icmp}`;
  return `dropped ${c || '(no counter)'} (${via})${icmp}`;
}

/** One row per corpus entry: { id, kind, note, kernel, bypass, problems, allowedBy }. */
function compare(kp, bp) {
  const rows = [];
  const problems = [];
  kp.entries.forEach((k, i) => {
    const b = bp.entries[i];
    if (!b || b.kind !== k.kind) throw new Error(`the passes ran different corpora at entry ${i}`);
    const kd = kp.deliveries[k.id];
    const bd = bp.deliveries[b.id];
    const p = [];
    let allowedBy = null;
    for (const [who, e] of [['kernel', k], ['bypass', b]]) {
      if (e.sendErrors.length) p.push(`${who} pass: send failed (${e.sendErrors.join(', ')})`);
    }
    const kn = norm(kd);
    const bn = norm(bd);
    if (kn.join('\n') !== bn.join('\n')) {
      if (kn.length && !bn.length) p.push('the kernel delivers it, the bypass drops it');
      else if (!kn.length && bn.length) p.push('the bypass delivers it, the kernel drops it');
      else p.push(`delivered differently: kernel ${JSON.stringify(kn)}, bypass ${JSON.stringify(bn)}`);
    }
    if (k.peer.join() !== b.peer.join()) {
      const a = allowed(k.kind, 'icmp');
      if (a) allowedBy = a.reason;
      else p.push(`ICMP back to the sender: kernel [${k.peer}], bypass [${b.peer}]`);
    }

    // Counting: every redirected frame is delivered from the XSK or counted as a drop by reason.
    const redirected = b.rs['bpf.redirected'] || 0;
    const passed = PASSED.reduce((a, x) => a + (b.rs[x] || 0), 0);
    const xsk = Object.entries(b.rs).some(([x, v]) => /^sock\d+\.rx$/.test(x) && v > 0) ? 1 : 0;
    const drops = rsDrops(b.rs);
    const counted = drops.reduce((a, d) => a + d.n, 0);
    if (redirected && counted !== redirected - xsk) {
      p.push(`ringsock counted ${counted} drop(s) for ${redirected} redirected frame(s), ${xsk} delivered from the XSK`);
    }
    if (bp.backend === 'xdp' && redirected + passed < b.sent) p.push(`the steering program saw ${redirected + passed} of ${b.sent} frames`);
    // Frames the program passed are the kernel half's: the same kernel counters as the kernel pass.
    const kDrops = counters.drops(k.kernel);
    if (passed && !redirected && counters.drops(b.kernel).join() !== kDrops.join()) {
      p.push(`kernel half counted [${counters.drops(b.kernel)}], kernel pass [${kDrops}]`);
    }
    // By reason, where both dropped a redirected frame and the kernel names its reason.
    if (redirected && !kn.length && !bn.length && kDrops.length) {
      const want = new Set(names(kDrops));
      for (const d of drops) {
        const same = COMPARABLE[d.reason];
        let miss = null;
        if (!same) miss = `ringsock reason '${d.reason}' has no comparable kernel counters in test/diff/allowed.js`;
        else if (!same.some((x) => want.has(x))) miss = `ringsock counted ${d.name}, the kernel ${kDrops.join(' ')}`;
        if (!miss) continue;
        const a = allowed(k.kind, 'reason');
        if (a) allowedBy = a.reason;
        else p.push(miss);
      }
    }
    rows.push({ id: k.id, kind: k.kind, note: k.note, kernel: describeKernel(k, kd), bypass: describeBypass(b, bd),
      problems: p, allowedBy });
    problems.push(...p.map((x) => `${k.kind} (#${k.id}): ${x}`));
  });
  const ku = norm(kp.unmatched);
  const bu = norm(bp.unmatched);
  if (ku.join('\n') !== bu.join('\n')) problems.push(`payloads without a corpus id: kernel ${ku.length}, bypass ${bu.length}`);
  for (const [who, pass] of [['kernel', kp], ['bypass', bp]]) {
    for (const err of pass.errors) problems.push(`${who} receiver: ${err}`);
  }
  return { rows, problems };
}

/** The harness's own checks: a pass that delivered nothing would make every kind "agree". */
function sanity(kp, bp) {
  const out = [];
  const byKind = (pass, kind) => pass.entries.find((e) => e.kind === kind);
  for (const kind of ['ok4', 'ok6']) {
    if (!kp.deliveries[byKind(kp, kind).id]) out.push(`kernel pass: ${kind} was not delivered (harness broken?)`);
    const b = byKind(bp, kind);
    if (bp.backend === 'xdp' && !(b.rs['bpf.redirected'] > 0 && bp.deliveries[b.id])) {
      out.push(`bypass pass: ${kind} did not come through the XSK (${JSON.stringify(b.rs)})`);
    }
  }
  if (!counters.drops(byKind(kp, 'udp4_bad_csum').kernel).includes('Udp.InCsumErrors')) {
    out.push('kernel pass: a bad UDP checksum did not move Udp.InCsumErrors (counters not read from rs12a?)');
  }
  // The receivers only record: no UDP datagram left rs12a, from the kernel or from an XSK.
  for (const pass of [kp, bp]) {
    const sent = pass.entries.reduce((a, e) => a + (e.kernel['Udp.OutDatagrams'] || 0) + (e.kernel['Udp6.OutDatagrams'] || 0), 0);
    if (sent) out.push(`${pass.backend} pass: the receiver's namespace sent ${sent} UDP datagram(s)`);
  }
  const f = bp.final;
  if (f) {
    if (f['q0.tx']) out.push(`bypass pass: ${f['q0.tx']} frame(s) sent on the XSK`);
    if (f['q0.rx_dropped'] || f['q0.rx_ring_full']) out.push(`bypass pass: frames lost at the XSK ring (${JSON.stringify(f)})`);
    // Corpus-wide: redirected = delivered from the XSK + counted drops (per kind in compare()).
    let redirected = 0;
    let accounted = 0;
    for (const e of bp.entries) {
      redirected += e.rs['bpf.redirected'] || 0;
      accounted += (Object.entries(e.rs).some(([k, v]) => /^sock\d+\.rx$/.test(k) && v > 0) ? 1 : 0)
        + rsDrops(e.rs).reduce((a, d) => a + d.n, 0);
    }
    if (redirected !== accounted) out.push(`bypass pass: ${redirected} frames redirected, ${accounted} delivered or counted`);
  }
  return out;
}

function table(rows, { all = true } = {}) {
  const shown = all ? rows : rows.filter((r) => r.problems.length);
  const w = (s, n) => (s.length >= n ? s + ' ' : s + ' '.repeat(n - s.length));
  const lines = [w('id', 4) + w('kind', 27) + w('kernel (the oracle)', 62) + w('bypass', 70) + 'result'];
  for (const r of shown) {
    const res = r.problems.length ? 'DIFF: ' + r.problems.join('; ') : r.allowedBy ? `agree (allowed: ${r.allowedBy.split(';')[0].slice(0, 40)}...)` : 'agree';
    lines.push(w(String(r.id), 4) + w(r.kind, 27) + w(r.kernel, 62) + w(r.bypass, 70) + res);
  }
  return lines.join('\n');
}

module.exports = { compare, sanity, table, rsDrops };
