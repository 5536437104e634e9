// cluster and PM2 under -r ringsock/register (docs/HTTP.md, "cluster"): an unchanged HTTP (and
// UDP echo) app in 2 workers. Round robin (connections the primary hands over are adopted onto
// each worker's engine), SCHED_NONE (the shared listening socket adopted, accepts on each
// worker's ring), reusePort (each worker's own socket, where the running Node has it), PM2's
// cluster mode, and a worker killed mid-load. Each worker's ringsock.stats() comes over its IPC
// channel (test/helpers/cluster-stats-preload.js). On the node backend the same checks run
// against Node's own sockets. Loopback only; every load bounded (wrk -d2s).
'use strict';
const test = require('ava');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const dgram = require('node:dgram');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const proc = require('./helpers/proc');
const { within } = require('./net-helpers');

const root = path.join(__dirname, '..');
const register = path.join(root, 'dist', 'register.js');
const preload = path.join(__dirname, 'helpers', 'cluster-stats-preload.js');
const primary = path.join(__dirname, 'helpers', 'cluster-primary.js');
const app = path.join(__dirname, 'fixtures', 'cluster-http-app.js');
const wrkScript = path.join(__dirname, 'fixtures', 'wrk-cluster.lua');
const backend = process.env.RINGSOCK_BACKEND || 'uring';
const own = backend !== 'node';
const run = promisify(execFile);
// Node >= 22.12: listen({ reusePort }) / createSocket({ reusePort }) (exclusive, SO_REUSEPORT).
const hasReusePort = net.Server.prototype.listen.toString().includes('reusePort');
const dgramReusePort = dgram.Socket.prototype.bind.toString().includes('reusePort') ||
  String(dgram.createSocket).includes('reusePort');

/** A port free for TCP and UDP on 127.0.0.1 now (reusePort workers bind it themselves). */
async function freePort() {
  for (;;) {
    const srv = net.createServer();
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    const { port } = srv.address();
    await new Promise((r) => srv.close(r));
    const udp = dgram.createSocket('udp4');
    const ok = await new Promise((r) => {
      udp.once('error', () => r(false));
      udp.bind(port, '127.0.0.1', () => r(true));
    });
    udp.close();
    if (ok) return port;
  }
}

/** The next stdout line not yet taken (`taken`: line indexes) that is JSON with key `key`. */
function nextJson(p, key, taken, ms = 10000) {
  let at = -1;
  return p.waitLine((l) => {
    at = p.lines.findIndex((x, i) => !taken.has(i) && x.startsWith(`{"${key}"`));
    return at >= 0 && p.lines[at] === l;
  }, ms).then((l) => {
    taken.add(at);
    return JSON.parse(l);
  });
}

function startCluster(t, env) {
  const p = proc.start(['-r', register, '-r', preload, primary],
    { env: { APP: app, WORKERS: '2', ...env }, timeoutMs: 90000 });
  const seen = new Set();
  // Whatever a test left: the primary and every worker it forked (a worker whose primary is gone
  // after a disconnect keeps running, as in Node), by pid.
  t.teardown(() => {
    const forked = p.lines.filter((l) => l.startsWith('{"forked"')).flatMap((l) => JSON.parse(l).forked);
    for (const pid of [p.child.pid, ...forked]) {
      let cmdline = '';
      try { cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }  // gone
      if (!cmdline.includes(primary) && !cmdline.includes(app)) continue;  // its pid is someone else's now
      try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  });
  return { p, seen, json: (key, ms) => nextJson(p, key, seen, ms), send: (line) => p.child.stdin.write(`${line}\n`) };
}

/** One request on a fresh connection: {status, body}. */
function get(port, pathname, agent = false) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, agent, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

/** Polls fresh connections until every pid in `pids` has answered GET /hello. */
async function untilAllServe(port, pids, ms = 15000) {
  const left = new Set(pids);
  const until = Date.now() + ms;
  while (left.size) {
    if (Date.now() > until) throw new Error(`workers ${[...left]} never answered on port ${port}`);
    const res = await get(port, '/hello').catch(() => null);
    const pid = res && res.status === 200 && Number((res.body.match(/^hello from (\d+)\n$/) || [])[1]);
    if (pid) left.delete(pid);
    else await new Promise((r) => setTimeout(r, 50));
  }
}

async function wrk(port, { secs = 2, conns = 16 } = {}) {
  const { stdout } = await run('wrk', ['-t2', `-c${conns}`, `-d${secs}s`, '--timeout', '2s', '-s', wrkScript,
    `http://127.0.0.1:${port}/hello`], { timeout: (secs + 20) * 1000 });
  const [, good, bad, pids] = stdout.match(/CHECK good=(\d+) bad=(\d+) pids=([\d ]*)/);
  const [, total] = stdout.match(/(\d+) requests in/);
  return {
    out: stdout, good: Number(good), bad: Number(bad), total: Number(total),
    pids: new Set(pids.split(' ').filter(Boolean).map(Number)), socketErrors: /Socket errors/.test(stdout),
  };
}

function checkWrk(t, r, pids) {
  t.log(r.out.split('\n').filter((l) => /Requests\/sec|CHECK|Socket errors/.test(l)).join(' | '));
  t.false(r.socketErrors, 'no connect/read/write/timeout errors');
  t.is(r.bad, 0, 'every body is "hello from <pid>"');
  t.is(r.good, r.total);
  t.true(r.good > 200, `${r.good} checked responses`);
  t.deepEqual([...r.pids].sort(), [...pids].sort(), 'both workers served');
}

async function workerStats(c) {
  c.send('stats');
  const { stats } = await c.json('stats');
  return stats;
}

/** The TCP sockets on `port` a worker's stats() list (xdp: its io_uring half's). */
const tcpOn = (st, port) => ((st.backend === 'xdp' ? st.uring.sockets : st.sockets) || [])
  .filter((s) => s.type === 'tcp' && s.port === port);

/** Holds `n` keep-alive connections open, each after one GET /socket: [{socket, pid}]. */
async function holdConnections(port, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: n });
  const answers = await Promise.all(Array.from({ length: n }, () => new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/socket', agent }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  })));
  return { agent, answers };
}

/** Until no worker lists a TCP connection on `port` any more (only listeners). */
async function untilConnectionsClosed(c, port, listenersPerWorker) {
  const until = Date.now() + 5000;
  for (;;) {
    const stats = await workerStats(c);
    const open = stats.map(({ stats: st }) => tcpOn(st, port).length - listenersPerWorker);
    if (open.every((n) => n === 0) || Date.now() > until) return open;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function disconnect(t, c, pids) {
  c.send('disconnect');
  const res = await within(15000, 'the cluster ends after disconnect', c.p.result);
  t.is(res.code, 0, res.stderr);
  for (const pid of pids) t.false(fs.existsSync(`/proc/${pid}`), `worker ${pid} is gone`);
}

/**
 * The common part: both workers serve; 8 held connections are counted by the workers' stats
 * (ringsock sockets, adopted or accepted as `how` says); wrk with every body checked; every
 * connection gone from stats afterwards.
 */
async function clusterServes(t, env, how) {
  const port = await freePort();
  const c = startCluster(t, { PORT: String(port), ...env });
  const { forked, policy } = await c.json('forked');
  t.is(policy, env.NODE_CLUSTER_SCHED_POLICY === 'none' ? 'none' : 'rr');
  await untilAllServe(port, forked);

  const { agent, answers } = await holdConnections(port, 8);
  for (const a of answers) t.is(a.socket, own ? 'RingsockSocket' : 'Socket');
  const listeners = how === 'round-robin' ? 0 : 1;
  const heldBy = (pid) => answers.filter((a) => a.pid === pid).length;
  // The probe connections of untilAllServe may still be closing: wait until only the held ones are listed.
  let stats;
  for (const until = Date.now() + 5000; ;) {
    stats = await workerStats(c);
    const settled = stats.every(({ pid, stats: st }) => !own || tcpOn(st, port).length === heldBy(pid) + listeners);
    if (settled || Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.is(stats.length, 2);
  for (const { pid, stats: st } of stats) {
    t.is(st.environment.pid, pid);
    t.true(Number.isInteger(st.environment.clusterWorker), 'stats() say which cluster worker answers');
    if (!own) {
      t.is(st.backend, 'node');
      continue;
    }
    t.is(st.backend, backend === 'xdp' ? 'xdp' : 'uring');
    const sockets = tcpOn(st, port);
    const held = heldBy(pid);
    t.is(sockets.length, held + listeners, `worker ${pid}: ${JSON.stringify(sockets)}`);
    const listener = sockets.filter((s) => s.address === '127.0.0.1' && s.rxBytes === 0 && s.txBytes === 0);
    const conns = sockets.filter((s) => s.rxBytes > 0);
    t.is(conns.length, held, 'each held connection is a ringsock socket that carried its request');
    // round robin: every connection adopted from the primary; shared: the listener adopted,
    // its connections accepted on this worker's ring; reusePort: nothing adopted.
    t.true(conns.every((s) => s.adopted === (how === 'round-robin')), JSON.stringify(conns));
    if (listeners) t.true(listener.some((s) => s.adopted === (how === 'shared')), JSON.stringify(listener));
  }
  agent.destroy();
  checkWrk(t, await wrk(port), forked);
  if (own) t.deepEqual(await untilConnectionsClosed(c, port, listeners), [0, 0], 'no connection left open in either worker');
  return { c, port, forked };
}

test.serial('round robin (the default): connections handed to each worker run on its own engine; wrk 0 errors', async (t) => {
  t.timeout(60000);
  const udpPort = await freePort();
  const { c, forked } = await clusterServes(t, { UDP_PORT: String(udpPort) }, 'round-robin');
  // UDP without exclusive/reusePort: one socket, the primary's, shared by both workers (as Node).
  const replies = await udpEcho(udpPort, 16, 8);
  t.is(replies.bad, 0);
  t.is(replies.good, 16 * 8, 'every datagram echoed by a worker');
  if (own) {
    for (const { stats: st } of await workerStats(c)) {
      const udp = st.sockets.filter((s) => s.type === 'udp4' && s.port === udpPort);
      t.is(udp.length, 1);
      t.true(udp[0].adopted, 'the primary\'s shared UDP socket, read through a duplicate');
    }
  }
  await disconnect(t, c, forked);
});

test.serial('SCHED_NONE: the shared listening socket is adopted, each worker accepts on its own ring; wrk 0 errors', async (t) => {
  t.timeout(60000);
  const { c, forked } = await clusterServes(t, { NODE_CLUSTER_SCHED_POLICY: 'none' }, 'shared');
  if (own) {
    for (const { stats: st } of await workerStats(c)) {
      const engine = backend === 'xdp' ? st.uring.engine : st.engine;
      t.true(engine.accepts > 0, 'connections accepted by the worker\'s engine');
    }
  }
  await disconnect(t, c, forked);
});

(hasReusePort ? test.serial : test.skip)('reusePort: each worker listens on its own socket (TCP and UDP); wrk 0 errors', async (t) => {
  t.timeout(60000);
  const udpPort = await freePort();
  const { c, forked } = await clusterServes(t, { REUSE_PORT: '1', UDP_PORT: String(udpPort) }, 'reuse-port');
  const replies = await udpEcho(udpPort, 32, 4);
  t.is(replies.bad, 0);
  t.is(replies.good, 32 * 4);
  if (dgramReusePort) t.is(replies.pids.size, 2, 'both workers\' own UDP sockets answered');
  if (own) {
    for (const { stats: st } of await workerStats(c)) {
      const udp = st.sockets.filter((s) => s.type === 'udp4' && s.port === udpPort);
      t.is(udp.length, 1);
      t.false(udp[0].adopted, 'the worker\'s own UDP socket');
    }
  }
  // cluster's disconnect does not close servers that did not go through the primary (exclusive,
  // reusePort): the workers keep running, as in Node. They end by SIGTERM here.
  c.send('terminate');
  const res = await within(15000, 'the cluster ends after SIGTERM to its workers', c.p.result);
  t.is(res.code, 0, res.stderr);
  for (const pid of forked) t.false(fs.existsSync(`/proc/${pid}`), `worker ${pid} is gone`);
});

/** `sources` client sockets each send `each` datagrams; every reply must be "<msg> <pid>". */
async function udpEcho(port, sources, each) {
  let good = 0, bad = 0;
  const pids = new Set();
  await Promise.all(Array.from({ length: sources }, (_, s) => new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    let got = 0;
    const timer = setTimeout(() => { sock.close(); reject(new Error(`source ${s}: ${got}/${each} replies`)); }, 5000);
    sock.on('message', (msg) => {
      const m = msg.toString().match(/^m(\d+)-(\d+) (\d+)$/);
      if (m && Number(m[1]) === s) {
        good++;
        pids.add(Number(m[3]));
      } else {
        bad++;
      }
      if (++got === each) {
        clearTimeout(timer);
        sock.close(resolve);
      }
    });
    sock.bind(0, '127.0.0.1', () => {
      for (let i = 0; i < each; i++) sock.send(`m${s}-${i}`, port, '127.0.0.1');
    });
  })));
  return { good, bad, pids };
}

function fdCount(pid) {
  return fs.readdirSync(`/proc/${pid}/fd`).length;
}

/** The process's fd targets once fewer than `below` are open (or after 3 s): closing connections take a moment. */
async function settledFds(pid, below) {
  const list = () => fs.readdirSync(`/proc/${pid}/fd`).map((fd) => {
    try { return fs.readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { return '?'; }
  });
  for (const until = Date.now() + 3000; list().length >= below && Date.now() < until;) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return list();
}

/** Connects and resolves with the socket once the worker's "<pid>\n" greeting came. */
function greeted(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setEncoding('utf8');
    sock.once('data', (d) => resolve({ sock, pid: Number(d.trim()) }));
    sock.once('error', reject);
  });
}

function echo(sock, text) {
  return new Promise((resolve) => {
    let got = '';
    const onData = (d) => {
      got += d;
      if (got.length >= text.length) {
        sock.off('data', onData);
        resolve(got);
      }
    };
    sock.on('data', onData);
    sock.write(text);
  });
}

for (const policy of ['rr', 'none']) test.serial(`a worker's server.close(), getConnections() and 'connection' events as in Node (${policy})`, async (t) => {
  t.timeout(30000);
  const port = await freePort();
  const c = startCluster(t, { PORT: String(port), WORKERS: '1', APP: path.join(__dirname, 'fixtures', 'cluster-close-app.js'),
    NODE_CLUSTER_SCHED_POLICY: policy });
  const { forked: [pid] } = await c.json('forked');
  await c.json('listening');
  const a = await greeted(port);
  const b = await greeted(port);
  t.is(a.pid, pid);
  t.is(b.pid, pid);
  c.send('send {"cmd":"count"}');
  t.like((await c.json('from')).msg, { count: 2, connections: 2, err: null });
  const stats = await workerStats(c);
  if (own) {
    const sockets = tcpOn(stats[0].stats, port);
    const conns = sockets.filter((x) => x.txBytes > 0);  // each was greeted
    t.is(conns.length, 2);
    t.is(sockets.length, policy === 'rr' ? 2 : 3, 'SCHED_NONE: the adopted listener too');
    t.true(conns.every((x) => x.adopted === (policy === 'rr')));
    if (policy === 'none') t.true(sockets.some((x) => x.txBytes === 0 && x.adopted));
  }
  c.send('send {"cmd":"close"}');
  t.deepEqual((await c.json('from')).msg, { closing: true, listening: false });
  t.is(await echo(a.sock, 'still here'), 'still here', 'a connection outlives server.close(), as in Node');
  // The primary closed its socket (round robin's, or the shared one) with the last worker's server.
  const refused = await new Promise((resolve) => net.connect(port, '127.0.0.1').on('error', (e) => resolve(e.code)).on('connect', () => resolve('connected')));
  t.is(refused, 'ECONNREFUSED');
  a.sock.end();
  b.sock.end();
  t.deepEqual((await c.json('from')).msg, { closed: true, err: null }, 'close callback once the connections are gone');
  await disconnect(t, c, [pid]);
});

test.serial('a worker killed with SIGKILL mid-load: the other keeps serving, nothing leaks', async (t) => {
  t.timeout(60000);
  const port = await freePort();
  const c = startCluster(t, { PORT: String(port) });
  const { forked } = await c.json('forked');
  await untilAllServe(port, forked);
  const [victim, survivor] = forked;
  await workerStats(c);  // the survivor's stats path warmed up, as it will be used after
  const baseFds = fdCount(survivor);
  const primaryFds = fdCount(c.p.child.pid);
  const load = wrk(port, { secs: 3, conns: 16 });
  await new Promise((r) => setTimeout(r, 1000));
  c.send(`kill ${victim}`);
  const exit = await c.json('exit');
  t.deepEqual(exit, { exit: victim, code: null, signal: 'SIGKILL' });
  const during = await load;
  t.log('during the kill:', during.out.split('\n').filter((l) => /Requests\/sec|CHECK|Socket errors/.test(l)).join(' | '));
  t.is(during.bad, 0, 'every response that came was right');
  t.true(during.pids.has(survivor));
  // After the kill every request is the survivor's, with no error.
  checkWrk(t, await wrk(port), [survivor]);
  if (own) t.deepEqual(await untilConnectionsClosed(c, port, 0), [0], 'no connection left in the survivor');
  const survivorNow = await settledFds(survivor, baseFds + 1);
  t.is(survivorNow.length, baseFds, `the survivor holds the descriptors it held before the load: ${survivorNow.join(' ')}`);
  // The primary (Node's cluster code on either backend): the killed worker's channel is closed;
  // a connection it was handing to that worker at the kill can stay with it (Node's round robin
  // does so on the node backend too), so: no more descriptors than before. It ends cleanly below.
  const primaryNow = await settledFds(c.p.child.pid, primaryFds);
  t.true(primaryNow.length <= primaryFds, `the primary holds no more than before the kill: ${primaryNow.join(' ')}`);
  t.false(fs.existsSync(`/proc/${victim}`));
  await disconnect(t, c, forked);
});

test.serial('PM2 cluster mode starts the same app under the hook: both instances serve on ringsock; pm2 kill leaves nothing', async (t) => {
  t.timeout(90000);
  const pm2 = path.join(root, 'node_modules', 'pm2', 'bin', 'pm2');
  if (!fs.existsSync(pm2)) return t.fail('npm pm2 (a devDependency) is not installed');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ringsock-pm2-'));
  const env = { ...process.env, PM2_HOME: home };
  const cli = (args, timeout = 30000) => run(process.execPath, [pm2, ...args], { env, timeout });
  let killed = false;  // `pm2 kill` with no daemon would start one to kill it
  t.teardown(async () => {
    if (!killed) await cli(['kill'], 20000).catch(() => {});
    fs.rmSync(home, { recursive: true, force: true });
  });
  const port = await freePort();
  const eco = path.join(home, 'ecosystem.config.js');
  fs.writeFileSync(eco, `module.exports = ${JSON.stringify({
    apps: [{
      name: 'rs-cluster', script: app, exec_mode: 'cluster', instances: 2, autorestart: false,
      node_args: ['-r', register, '-r', preload],
      env: { PORT: String(port), RINGSOCK_BACKEND: backend, RINGSOCK_STRICT: '1' },
    }],
  })};\n`);
  await cli(['start', eco]);
  const { stdout: jlist } = await cli(['jlist']);
  const list = JSON.parse(jlist.slice(jlist.indexOf('[')));
  const pids = list.map((p) => p.pid);
  t.is(list.length, 2);
  t.true(list.every((p) => p.pm2_env.exec_mode === 'cluster_mode'));
  await untilAllServe(port, pids);
  const { answers, agent } = await holdConnections(port, 4);
  for (const a of answers) t.is(a.socket, own ? 'RingsockSocket' : 'Socket');
  // Each instance's stats() over PM2's bus (pm2.sendDataToProcessId, replies as process:msg),
  // asked again while untilAllServe's probe connections are still closing.
  const held = (pid) => answers.filter((a) => a.pid === pid).length;
  const adoptedConns = (st) => tcpOn(st, port).filter((x) => x.adopted && x.rxBytes > 0).length;
  let replies;
  for (let attempt = 0; attempt < 5; attempt++) {
    const { stdout } = await run(process.execPath, [path.join(__dirname, 'helpers', 'pm2-stats.js'),
      ...list.map((p) => String(p.pm_id))], { env, timeout: 20000 });
    replies = JSON.parse(stdout);
    if (!own || replies.every(({ pid, stats: st }) => adoptedConns(st) === held(pid))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  t.deepEqual(replies.map((r) => r.pid).sort(), [...pids].sort());
  for (const { pid, stats: st } of replies) {
    t.is(st.backend, own ? (backend === 'xdp' ? 'xdp' : 'uring') : 'node');
    t.true(Number.isInteger(st.environment.clusterWorker));
    // PM2 is a round-robin primary: the held connections are the instance's adopted sockets.
    if (own) t.is(adoptedConns(st), held(pid), JSON.stringify(tcpOn(st, port)));
  }
  agent.destroy();
  checkWrk(t, await wrk(port), pids);
  const godPid = Number(fs.readFileSync(path.join(home, 'pm2.pid'), 'utf8'));
  await cli(['kill'], 20000);
  killed = true;
  const until = Date.now() + 5000;
  while ([godPid, ...pids].some((pid) => fs.existsSync(`/proc/${pid}`)) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const pid of [godPid, ...pids]) t.false(fs.existsSync(`/proc/${pid}`), `process ${pid} is gone after pm2 kill`);
});
