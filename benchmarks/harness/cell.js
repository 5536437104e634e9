'use strict';
// One scenario × backend cell, measured one run at a time: the harness interleaves the runs of
// all backends of a scenario (run 1 of each, then run 2 …), so a change in machine load hits
// every row alike. Each run starts the server(s) fresh, runs the scenario's warm-up loads if it
// has any, runs the measured load once, stops them.
const T = require('./topology');
const procs = require('./procs');
const stats = require('./stats');

function newCell() {
  return { unavailable: null, runs: [], failures: [], backendInfo: null, serverStats: [] };
}

async function startAll(specs, topo, pin) {
  // A port can stay bound briefly after the previous server exited (an io_uring is torn down
  // asynchronously, holding its sockets until then): retry "address in use" for up to ~3 s.
  for (let attempt = 1; ; attempt++) {
    try { return await startOnce(specs, topo, pin); } catch (err) {
      if (attempt >= 15 || !/EADDRINUSE|Address already in use/.test(err.message)) throw err;
      await procs.sleep(200);
    }
  }
}

async function startOnce(specs, topo, pin) {
  const started = [];
  try {
    for (const sp of specs) started.push(await procs.startServer(topo.nsA, sp.env, sp.argv, { pin }));
    await procs.sleep(150);
    for (const s of started) if (s.exited) throw new Error(`server exited right after READY: ${procs.why(s.stderr || s.stdout)}`);
    return started;
  } catch (err) {
    await Promise.all(started.map((s) => procs.stopServer(s)));
    throw err;
  }
}

/** Why numbers from this ringsock server would not count (null when they do). */
function notRingsock(servers, s, b) {
  const bi = servers[0].stderr.match(/^RINGSOCK_BACKEND_INFO (.*)$/m);
  const info = bi ? JSON.parse(bi[1]) : null;
  if (!info) return { why: 'the server did not report its backend' };
  if (info.name !== b.env.RINGSOCK_BACKEND) return { why: `the server runs on ${info.name}: ${info.reason}`, info };
  if (!info.modules || !info.modules[s.module]) {
    return { why: `ringsock's register hook does not replace node:${s.module} in this build, so the server would run on Node's builtin ${s.module}`, info };
  }
  return { why: null, info };
}

/** One run of cell c (scenario s on backend b). specs: the server commands. */
async function runOnce(c, s, b, specs, topo, opt, facts) {
  let servers;
  const pin = !s.unpinned;
  try { servers = await startAll(specs, topo, pin); } catch (err) {
    if (!c.runs.length && !c.failures.length) c.unavailable = `server did not start: ${err.message}`;
    else c.failures.push(`server did not start: ${err.message}`);
    return;
  }
  const stopAll = async () => {
    await Promise.all(servers.map((x) => procs.stopServer(x)));
    for (const x of servers) for (const l of x.stdout.split('\n')) if (l.startsWith('RESULT ')) c.serverStats.push(l.slice(7));
  };
  try {
    if (b.id === 'c-xdp') {
      const m = servers[0].readyLine.match(/xdp_mode=(\S+).*zerocopy=(\d)/);
      if (m) facts.xdp = { mode: m[1] === 'drv' ? 'native (driver)' : 'generic (skb)', zerocopy: m[2] === '1', source: 'C reference xsk_echo on the veth' };
    }
    if (b.kind === 'ringsock') {   // only numbers from a server that really runs on ringsock count
      const { why, info } = notRingsock(servers, s, b);
      c.backendInfo = info || c.backendInfo;
      if (why) { c.unavailable = why; return; }
    }
    // Warm-up loads on the same server, not measured: a long-running server's steady state.
    for (const argv of s.warmup ? s.warmup(topo) : []) {
      const w = await procs.runClient(topo.nsB, {}, argv.map(String), 20, { pin });
      if (w.code !== 0) { c.failures.push(`warm-up failed (exit ${w.code}): ${procs.tail(w.stderr || w.stdout, 200)}`); return; }
    }
    const res = await procs.runClient(topo.nsB, {}, s.client(topo, opt.secs).map(String), s.limit(opt.secs), { pin });
    const dead = servers.find((x) => x.exited);
    if (dead) { c.failures.push(`server died: ${procs.why(dead.stderr || dead.stdout)}`); return; }
    await procs.sleep(s.serversPerRun ? 300 : 0);   // multicast receivers: let the last datagrams land
    await stopAll();
    try {
      const m = s.parse(res.stdout + res.stderr, servers.map((x) => x.stdout));
      if (res.code !== 0 && !(m.value > 0)) throw new Error(`client exit ${res.code}: ${procs.tail(res.stderr || res.stdout, 200)}`);
      c.runs.push(m);
    } catch (err) {
      c.failures.push(`${err.message}${res.code ? ` (client exit ${res.code}${res.stderr ? ': ' + procs.tail(res.stderr, 200) : ''})` : ''}`);
    }
  } finally {
    await Promise.all(servers.map((x) => procs.stopServer(x)));
    if (b.id.includes('xdp')) {
      const left = T.xdpAttached(topo);
      if (left) { c.failures.push(`XDP program still attached after the server ended (${left}); detached by the harness`); T.forceDetach(topo); }
    }
  }
}

/** The cell as it goes into latest.json. */
function finish(c) {
  if (c.unavailable) return { status: 'unavailable', reason: c.unavailable, ...(c.failures.length ? { failures: c.failures } : {}) };
  if (!c.runs.length) return { status: 'unavailable', reason: `every run failed: ${c.failures[0] || 'no output'}`, failures: c.failures };
  const runs = c.runs;
  const pick = (k) => stats.summarize(runs.map((x) => x[k]));
  const cell = {
    status: 'ok', value: pick('value'), p50_us: pick('p50_us'), p99_us: pick('p99_us'),
    runs: runs.map((x) => ({ value: x.value, p50_us: x.p50_us, p99_us: x.p99_us, ...x.extra })),
    problems: [...new Set(runs.flatMap((x) => x.problems))], failed_runs: c.failures.length, failures: c.failures,
  };
  const lat = {};
  for (const k of ['p50_us', 'p90_us', 'p99_us', 'p999_us']) {
    const v = stats.summarize(runs.map((x) => (x[k] !== undefined ? x[k] : x.extra && x.extra[k])));
    if (v) lat[k] = stats.round(v.median, 2);
  }
  if (Object.keys(lat).length) cell.latency_us = lat;
  if (c.backendInfo) cell.backend_info = c.backendInfo;
  if (c.serverStats.length) cell.server_stats = c.serverStats;
  return cell;
}

module.exports = { newCell, runOnce, finish };
