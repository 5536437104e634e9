'use strict';
// One pass of the differential harness: the receiver (test/diff/receiver.js) in rs12a on one
// backend, the sender (send.py) in rs12b, the corpus sent one entry at a time. Around each
// entry: the kernel counters of rs12a, the kernel's drop reasons, and (bypass) ringsock's
// counters, read once everything that entry caused has been counted; and the ICMP errors the
// sender's namespace received (what the kernel answered to a drop).
const { spawn, execFileSync } = require('child_process');
const path = require('path');
const T = require('./topology');
const corpus = require('./corpus');
const counters = require('./counters');
const droptrace = require('./droptrace');

const root = path.join(__dirname, '..', '..');
const { onLines } = require('../helpers/lines');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A child whose stdout is read line by line; next(pred) waits for the first line that matches.
function lineChild(argv, env) {
  const child = spawn('ip', ['netns', 'exec', ...argv], { cwd: root, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = [];
  const waiters = [];
  let stderr = '';
  onLines(child.stdout, (l) => {
    const w = waiters.findIndex((x) => x.pred(l));
    if (w >= 0) waiters.splice(w, 1)[0].resolve(l);
    else lines.push(l);
  });
  child.stderr.on('data', (d) => { stderr += d; });
  const next = (pred, ms = 10000) => {
    const i = lines.findIndex(pred);
    if (i >= 0) return Promise.resolve(lines.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      waiters.push(w);
      setTimeout(() => {
        const k = waiters.indexOf(w);
        if (k >= 0) { waiters.splice(k, 1); reject(new Error(`${argv.slice(1).join(' ')}: no answer in ${ms} ms; stderr: ${stderr}`)); }
      }, ms).unref();
    });
  };
  return { child, lines, next, stderr: () => stderr };
}

function nsText(ns, argv) {
  return execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' }).trim();
}

/** The facts the corpus needs about the topology (MACs, link-local addresses). */
function facts() {
  const ll = (ns, dev) => /inet6 (fe80::[0-9a-f:]+)/.exec(nsText(ns, ['ip', '-6', 'addr', 'show', 'dev', dev, 'scope', 'link']))[1];
  return {
    macA: nsText(T.A, ['cat', `/sys/class/net/${T.DEV_A}/address`]),
    macB: nsText(T.B, ['cat', `/sys/class/net/${T.DEV_B}/address`]),
    ll6A: ll(T.A, T.DEV_A),
    ll6B: ll(T.B, T.DEV_B),
  };
}

// Every number of an object tree as 'a.b.c' -> n (ringsock's stats of rs12a's veth and sockets).
function flatten(o, prefix, out = {}) {
  for (const [k, v] of Object.entries(o || {})) {
    if (typeof v === 'number') out[prefix + k] = v;
    else if (v && typeof v === 'object') flatten(v, `${prefix}${k}.`, out);
  }
  return out;
}

function ringsockCounters(st) {
  const ifc = st.xdp && st.xdp.interfaces[T.DEV_A];
  const out = flatten(ifc ? { ...ifc, queues: undefined } : {}, '');
  if (ifc) flatten(ifc.queues[0], 'q0.', out);
  for (const s of st.sockets || []) flatten({ rx: s.xsk.rxMessages, dropped: s.xsk.drops }, `sock${s.port}.`, out);
  return out;
}

// Nothing more moves: two reads 2 ms apart agree (the veth delivers within the send, normally).
async function settledKernel(pid) {
  let prev = counters.snapshot(pid, T.DEV_A);
  for (let i = 0; i < 20; i++) {
    await sleep(2);
    const cur = counters.snapshot(pid, T.DEV_A);
    if (Object.keys(counters.diff(prev, cur)).length === 0) return cur;
    prev = cur;
  }
  return prev;
}

/**
 * Runs the corpus against a receiver on `backend` ('node': the kernel; 'xdp': the bypass).
 * Returns { backend, facts, entries: [{ id, kind, note, sent, sendErrors, kernel, reasons, peer, rs }],
 * deliveries: { id: [{ sock, hex, from, port }] }, unmatched: [...], errors: [...] }.
 */
async function runPass(backend, passNo) {
  const fx = facts();
  const entries = corpus.build({ ...fx, pass: passNo });
  const bypass = backend !== 'node';
  const rx = lineChild([T.A, process.execPath, '-r', path.join(root, 'dist', 'register.js'), path.join(__dirname, 'receiver.js')],
    { RINGSOCK_BACKEND: backend, RINGSOCK_STRICT: '1' });
  const tx = lineChild([T.B, 'python3', path.join(__dirname, 'send.py'), T.DEV_B], {});
  const result = { backend, facts: fx, entries: [], deliveries: {}, unmatched: [], errors: [] };
  let trace = null;
  try {
    const ready = JSON.parse(await rx.next((l) => /"ready"|"error"/.test(l)));
    if (!ready.ready) throw new Error(`receiver (${backend}): ${ready.error}`);
    if (ready.backend !== backend) throw new Error(`receiver runs ${ready.backend}, not ${backend}`);
    await tx.next((l) => l === 'ready');
    const stats = async () => {
      const p = rx.next((l) => l.startsWith('{"stats"'));
      rx.child.stdin.write('stats\n');
      return ringsockCounters(JSON.parse(await p).stats);
    };
    trace = droptrace.start(tx.child.pid);
    const pid = rx.child.pid;   // `ip netns exec` execs node: this is the receiver itself
    for (const e of entries) {
      for (const c of e.setup) nsText(T.A, c);
      const k0 = counters.snapshot(pid, T.DEV_A);
      const p0 = counters.snapshot(tx.child.pid, T.DEV_B);
      const r0 = bypass ? await stats() : {};
      droptrace.take(trace);
      let sent = 0;
      const sendErrors = [];
      for (const fr of e.frames) {
        tx.child.stdin.write(fr.toString('hex') + '\n');
        const ans = await tx.next((l) => l === 'ok' || l.startsWith('err'));
        if (ans === 'ok') sent++;
        else sendErrors.push(ans);
      }
      let r1 = r0;
      if (bypass) {
        // Wait until the steering program saw the frames and user space counted every one it
        // redirected (parsed = redirected), so the deltas belong to this entry.
        for (let i = 0; i < 100; i++) {
          r1 = await stats();
          const seen = ['redirected', 'passed', 'fragments_passed', 'options_passed', 'no_xsk']
            .reduce((a, k) => a + (r1[`bpf.${k}`] - r0[`bpf.${k}`]), 0);
          const parsed = r1.valid + r1.malformed + r1.not_udp;
          if (seen >= sent && parsed === r1['bpf.redirected']) break;
          await sleep(3);
        }
      }
      const k1 = await settledKernel(pid);
      const reasons = droptrace.take(trace);
      const peer = counters.icmpErrors(counters.diff(p0, counters.snapshot(tx.child.pid, T.DEV_B)));
      for (const c of e.teardown) nsText(T.A, c);
      result.entries.push({ id: e.id, kind: e.kind, note: e.note, payload: e.payload.toString('hex'), frames: e.frames.length,
        sent, sendErrors, kernel: counters.diff(k0, k1), reasons, peer, rs: counters.diff(r0, r1) });
    }
    await sleep(300);   // stragglers of the last entries
    if (bypass) result.final = await stats();
    rx.child.stdin.write('exit\n');
    await new Promise((r) => (rx.child.exitCode !== null ? r() : rx.child.once('exit', r)));
  } finally {
    droptrace.stop(trace);
    tx.child.stdin.end();
    for (const c of [rx.child, tx.child]) if (c.exitCode === null) c.kill('SIGKILL');
  }
  for (const l of rx.lines) {
    let m;
    try { m = JSON.parse(l); } catch { continue; }
    if (m.error) result.errors.push(m.error);
    if (!m.msg) continue;
    const id = corpus.idOf(Buffer.from(m.msg.hex, 'hex'));
    if (id) (result.deliveries[id] = result.deliveries[id] || []).push(m.msg);
    else result.unmatched.push(m.msg);
  }
  return result;
}

module.exports = { runPass, facts };
