// ringsock/metrics on the xdp backend, across the project's veth topology (scripts/netns.sh,
// TAG 15): a UDP and a TCP echo in rs15a, a plain Node client in rs15b. A scrape equals the
// server's stats() of the same turn: the bypass socket under backend="xdp", the TCP listener
// under backend="uring", the interface's steering and queue counters, and they grow with the
// traffic. Per-socket rx/tx series of a bypass socket are checked for whichever of the
// documented fields its stats() entry carries.
// Run as: RINGSOCK_BACKEND=xdp RINGSOCK_STRICT=1 npx ava test/metrics-xdp.test.js (root).
const test = require('ava');
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const netns = require('./helpers/netns');
const { onLines } = require('./helpers/lines');

const TAG = 15;
const UDP_PORT = 9500;
const TCP_PORT = 9501;
const N = 50;
const isRoot = process.getuid && process.getuid() === 0;
const want = process.env.RINGSOCK_BACKEND === 'xdp' || process.env.KERNEL_BYPASS === '1';
const run = isRoot && want ? test.serial : test.serial.skip;

let topo = null;
let server = null;

test.before(() => { if (isRoot && want) topo = netns.up(TAG); });
test.after.always(() => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  if (topo) netns.down(TAG);
});

function parse(text) {
  return text.split('\n').filter((l) => l && !l.startsWith('#')).map((line) => {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    const labels = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    return { name: m[1], labels, value: Number(m[3]) };
  });
}
const pick = (series, name, labels = {}) => series.filter((s) => s.name === name &&
  Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const sum = (series, name, labels) => pick(series, name, labels).reduce((a, s) => a + s.value, 0);

function startServer() {
  const child = spawn('ip', ['netns', 'exec', topo.a.ns, process.execPath, path.join(__dirname, 'helpers', 'metrics-server.js'),
    topo.a.ip4, String(UDP_PORT), String(TCP_PORT)], {
    env: { ...process.env, RINGSOCK_BACKEND: 'xdp', RINGSOCK_STRICT: '1' }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const waiting = [];
  onLines(child.stdout, (line) => { const w = waiting.shift(); if (w) w(JSON.parse(line)); });
  const next = () => new Promise((resolve, reject) => {
    waiting.push(resolve);
    setTimeout(() => reject(new Error(`the server did not answer; stderr: ${stderr}`)), 15000).unref();
  });
  const scrape = async () => { const p = next(); child.stdin.write('scrape\n'); const r = await p; return { series: parse(r.text), st: r.stats }; };
  return { child, next, scrape };
}

function client() {
  const r = spawnSync('ip', ['netns', 'exec', topo.b.ns, process.execPath, path.join(__dirname, 'helpers', 'echo-client.js'),
    topo.a.ip4, String(UDP_PORT), String(TCP_PORT), String(N)], { encoding: 'utf8', timeout: 20000 });
  return JSON.parse(r.stdout.trim().split('\n').pop() || '{}');
}

const FIELDS = { rxMessages: 'rx_messages', rxBytes: 'rx_bytes', txMessages: 'tx_messages', txBytes: 'tx_bytes', drops: 'drops', errors: 'errors' };

function sameAsStats(t, series, st) {
  t.is(st.backend, 'xdp');
  t.is(sum(series, 'ringsock_backend_info', { backend: 'xdp' }), 1);
  const dev = topo.a.dev;
  const iface = st.xdp.interfaces[dev];
  t.truthy(iface, JSON.stringify(st.xdp));
  t.is(sum(series, 'ringsock_xdp_interface_info', { interface: dev, mode: iface.mode }), 1);
  for (const [k, name] of [['redirected', 'bpf_redirected'], ['passed', 'bpf_passed']]) {
    t.is(sum(series, `ringsock_xdp_${name}_total`, { interface: dev }), iface.bpf[k], name);
  }
  for (const k of ['valid', 'malformed', 'no_socket', 'refused']) t.is(sum(series, `ringsock_xdp_${k}_total`, { interface: dev }), iface[k], k);
  t.is(sum(series, 'ringsock_xdp_queue_rx_total', { interface: dev }), iface.queues.reduce((a, q) => a + q.rx, 0));
  t.is(sum(series, 'ringsock_xdp_queue_tx_total', { interface: dev }), iface.queues.reduce((a, q) => a + q.tx, 0));
  const bypass = st.sockets.filter((s) => s.port === UDP_PORT);
  t.is(bypass.length, 1, JSON.stringify(st.sockets));
  const labels = { backend: 'xdp', type: 'udp4', address: topo.a.ip4, port: String(UDP_PORT) };
  t.is(sum(series, 'ringsock_sockets', labels), 1);
  for (const [f, m] of Object.entries(FIELDS)) {
    const found = pick(series, `ringsock_socket_${m}`, labels);
    if (typeof bypass[0][f] === 'number') t.deepEqual(found.map((s) => s.value), [bypass[0][f]], m);
    else t.is(found.length, 0, `${m}: no series while the bypass socket does not report ${f}`);
  }
  const listener = { backend: 'uring', type: 'tcp', address: topo.a.ip4, port: String(TCP_PORT) };
  t.is(sum(series, 'ringsock_sockets', listener), st.uring.sockets.filter((s) => s.type === 'tcp' && s.port === TCP_PORT).length);
  for (const [f, name] of [['accepts', 'accepts'], ['rxBytes', 'rx_bytes'], ['txBytes', 'tx_bytes'], ['cqes', 'cqes']]) {
    t.is(sum(series, `ringsock_uring_${name}_total`), st.uring.engine[f], name);
  }
}

run('xdp: a scrape equals stats() and grows with bypassed UDP and io_uring TCP traffic', async (t) => {
  server = startServer();
  const ready = await server.next();
  t.is(ready.backend && ready.backend.name, 'xdp', JSON.stringify(ready));

  t.deepEqual(client(), { udp: N, tcp: N * 100 });
  const first = await server.scrape();
  sameAsStats(t, first.series, first.st);
  t.deepEqual(client(), { udp: N, tcp: N * 100 });
  const second = await server.scrape();
  sameAsStats(t, second.series, second.st);

  const grew = (name, labels) => sum(second.series, name, labels) - sum(first.series, name, labels);
  t.true(grew('ringsock_xdp_bpf_redirected_total', { interface: topo.a.dev }) >= N, 'the datagrams were bypassed');
  t.true(grew('ringsock_xdp_queue_rx_total', { interface: topo.a.dev }) >= N);
  t.is(grew('ringsock_uring_accepts_total'), 1, 'one TCP connection, on io_uring');
  t.true(grew('ringsock_uring_rx_bytes_total') >= N * 100);

  server.child.stdin.write('exit\n');
});
