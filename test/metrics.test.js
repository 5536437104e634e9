// ringsock/metrics (the prom-client collector): on the uring backend a scrape of
// registry.metrics() shows exactly what stats() says, per socket and per engine, and moves
// with traffic; stats shapes it does not know (today's xdp sockets, garbage) yield no series
// instead of a throw; without prom-client, one error naming the fix.
process.env.RINGSOCK_BACKEND = 'uring';
process.env.RINGSOCK_STRICT = '1';
const test = require('ava');
const { once } = require('node:events');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const prom = require('prom-client');
const dgram = require('../dist/dgram.js');
const net = require('../dist/net.js');
const ringsock = require('../dist/index.js');
const metrics = require('../dist/metrics.js');
const { samples, METRICS } = require('../dist/metrics-samples.js');

const root = path.join(__dirname, '..');
const settle = () => new Promise((r) => setTimeout(r, 50));  // send CQEs of the last replies

/** Prometheus text format -> [{ name, labels, value }]. */
function parse(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`unparsable line: ${line}`);
    const labels = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

async function scrape(registry) {
  const series = parse(await registry.metrics());
  return { series, st: ringsock.stats() };  // same turn of the loop: nothing counted in between
}

const pick = (series, name, labels = {}) => series.filter((s) => s.name === name &&
  Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const one = (series, name, labels) => {
  const found = pick(series, name, labels);
  if (found.length !== 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${found.length} series`);
  return found[0].value;
};

const FIELD_METRIC = { rxMessages: 'rx_messages', rxBytes: 'rx_bytes', txMessages: 'tx_messages', txBytes: 'tx_bytes', drops: 'drops', errors: 'errors' };

/** Every socket series equals the stats() sockets with its labels, summed; every engine counter its field. */
function sameAsStats(t, series, st) {
  const groups = new Map();
  for (const s of st.sockets) {
    const key = JSON.stringify([s.type, s.address, String(s.port)]);
    const g = groups.get(key) ?? { labels: { backend: 'uring', type: s.type, address: s.address, port: String(s.port) }, n: 0, sums: {} };
    g.n += 1;
    for (const f of Object.keys(FIELD_METRIC)) g.sums[f] = (g.sums[f] ?? 0) + s[f];
    groups.set(key, g);
  }
  t.is(pick(series, 'ringsock_sockets').length, groups.size, 'one series per local address');
  for (const g of groups.values()) {
    t.is(one(series, 'ringsock_sockets', g.labels), g.n);
    for (const [f, m] of Object.entries(FIELD_METRIC)) t.is(one(series, `ringsock_socket_${m}`, g.labels), g.sums[f], `${m} ${JSON.stringify(g.labels)}`);
  }
  for (const [field, name] of [['cqes', 'cqes'], ['rxDatagrams', 'rx_datagrams'], ['txBytes', 'tx_bytes'], ['accepts', 'accepts'], ['submits', 'submits'], ['sqFull', 'sq_full']]) {
    t.is(one(series, `ringsock_uring_${name}_total`), st.engine[field], field);
  }
  t.is(one(series, 'ringsock_uring_busy_poll'), Number(st.engine.busyPoll));
  t.is(one(series, 'ringsock_backend_info', { backend: 'uring' }), 1);
}

test.serial('a scrape equals stats() and moves with UDP and TCP echo traffic', async (t) => {
  t.is(ringsock.backend().name, 'uring');
  const registry = new prom.Registry();
  metrics.register(registry);

  const udpServer = dgram.createSocket('udp4');
  udpServer.on('message', (msg, rinfo) => udpServer.send(msg, rinfo.port, rinfo.address));
  await new Promise((r) => udpServer.bind(0, '127.0.0.1', r));
  const udpClient = dgram.createSocket('udp4');
  await new Promise((r) => udpClient.bind(0, '127.0.0.1', r));
  const udpClientPort = udpClient.address().port;
  const tcpServer = net.createServer((sock) => sock.pipe(sock));
  tcpServer.listen(0, '127.0.0.1');
  await once(tcpServer, 'listening');
  const tcpClient = net.connect(tcpServer.address().port, '127.0.0.1');
  await once(tcpClient, 'connect');
  t.teardown(() => { tcpClient.destroy(); tcpServer.close(); for (const s of [udpServer, udpClient]) try { s.close(); } catch {} });
  let tcpBack = 0;
  tcpClient.on('data', (d) => { tcpBack += d.length; });

  const udpEcho = async (sizes) => {
    let got = 0;
    const done = new Promise((r) => { const on = () => { if (++got === sizes.length) { udpClient.off('message', on); r(); } }; udpClient.on('message', on); });
    for (const n of sizes) udpClient.send(Buffer.alloc(n, 1), udpServer.address().port, '127.0.0.1');
    await done;
  };
  const tcpEcho = async (n) => {
    const want = tcpBack + n;
    tcpClient.write(Buffer.alloc(n, 2));
    while (tcpBack < want) await once(tcpClient, 'data');
  };

  await udpEcho([10, 200]);
  await tcpEcho(5000);
  await settle();
  const first = await scrape(registry);
  sameAsStats(t, first.series, first.st);
  const udpLabels = { type: 'udp4', address: '127.0.0.1', port: String(udpServer.address().port) };
  const tcpListen = { type: 'tcp', address: '127.0.0.1', port: String(tcpServer.address().port) };
  const tcpMine = { type: 'tcp', address: '127.0.0.1', port: String(tcpClient.localPort) };
  t.is(one(first.series, 'ringsock_socket_rx_bytes', udpLabels), 210);
  t.is(one(first.series, 'ringsock_sockets', tcpListen), 2, 'the listener and its accepted connection share the local address');
  t.is(one(first.series, 'ringsock_socket_rx_bytes', tcpListen), 5000);
  t.is(one(first.series, 'ringsock_socket_tx_bytes', tcpMine), 5000);

  await udpEcho([1000, 1, 0]);
  await tcpEcho(70000);
  await settle();
  const second = await scrape(registry);
  sameAsStats(t, second.series, second.st);
  t.is(one(second.series, 'ringsock_socket_rx_bytes', udpLabels), 1211);
  t.is(one(second.series, 'ringsock_socket_rx_messages', udpLabels), 5);
  t.is(one(second.series, 'ringsock_socket_tx_bytes', tcpMine), 75000);
  t.is(one(second.series, 'ringsock_socket_rx_bytes', tcpListen), 75000);
  t.is(one(second.series, 'ringsock_uring_rx_datagrams_total') - one(first.series, 'ringsock_uring_rx_datagrams_total'), 6);
  t.is(one(second.series, 'ringsock_uring_accepts_total'), one(first.series, 'ringsock_uring_accepts_total'));

  const before = await scrape(registry);
  udpClient.close();
  const right = await scrape(registry);  // the same turn of the loop, right after the close
  t.is(pick(before.series, 'ringsock_sockets', { port: String(udpClientPort) }).length, 1);
  t.is(pick(right.series, 'ringsock_sockets', { port: String(udpClientPort) }).length, 0, 'each scrape reads stats() afresh');

  tcpClient.destroy();
  await once(tcpClient, 'close');
  tcpServer.close();
  await once(tcpServer, 'close');
  udpServer.close();
  await settle();
  const after = await scrape(registry);
  t.is(pick(after.series, 'ringsock_sockets', { port: udpLabels.port }).length, 0, 'closed sockets leave the scrape');
  t.is(pick(after.series, 'ringsock_socket_rx_bytes', { port: tcpListen.port }).length, 0);
  t.true(one(after.series, 'ringsock_uring_rx_bytes_total') >= one(second.series, 'ringsock_uring_rx_bytes_total'), 'engine totals keep them');
});

test('every metric is registered with its help and type; the prefix option; no double registration', async (t) => {
  const registry = new prom.Registry();
  metrics.register(registry, { prefix: 'app_rs_' });
  const text = await registry.metrics();
  for (const spec of METRICS) {
    t.true(text.includes(`# TYPE app_rs_${spec.name} ${spec.kind}\n`), spec.name);
    t.true(spec.kind !== 'counter' || spec.name.endsWith('_total'), spec.name);
  }
  t.false(text.includes('ringsock_'));
  t.throws(() => metrics.register(registry, { prefix: 'app_rs_' }), { message: /already registered on this registry/ });
  t.notThrows(() => metrics.register(registry), 'another prefix is another set');
  t.throws(() => metrics.register({}), { code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => metrics.register(registry, { prefix: 7 }), { code: 'ERR_INVALID_ARG_TYPE' });
});

// prom-client 15 (the devDependency); 14 has no OpenMetrics format.
(prom.openMetricsContentType ? test : test.skip)('an OpenMetrics registry', async (t) => {
  const registry = new prom.Registry(prom.openMetricsContentType);
  metrics.register(registry);
  const text = await registry.metrics();
  t.regex(text, /^# TYPE ringsock_uring_cqes counter$/m);
  t.regex(text, /^ringsock_uring_cqes_total \d+$/m);
  t.regex(text, /^ringsock_backend_info\{backend="uring"\} 1$/m);
  t.true(text.endsWith('# EOF\n'));
});

test('no registry: prom-client default registry', async (t) => {
  prom.register.clear();
  metrics.register();
  t.regex(await prom.register.metrics(), /^ringsock_backend_info\{backend="uring"\} 1$/m);
  prom.register.clear();
});

const value = (map, name, labels = {}) => {
  const found = map.get(name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.length === 1 ? found[0].value : found.length;
};

test('xdp snapshots: bypass sockets, the io_uring half, interfaces and queues; unknown fields ignored', (t) => {
  const iface = {
    mode: 'native', bpf: { redirected: 40, passed: 3, no_xsk: 1 }, valid: 39, malformed: 1,
    malformed_by_reason: { bad_checksum: 1 }, refused: 2, refused_by_reason: { martian_source: 2 },
    not_udp: 0, no_socket: 0, future_field: 9,
    queues: [{ queue: 0, zerocopy: false, rx: 40, tx: 38, tx_backlog: 2, rx_dropped: 0, kicks: 5 }],
  };
  const uringHalf = { backend: 'uring', engine: { cqes: 12, busyPoll: false }, sockets: [{ type: 'udp4', address: '10.99.0.1', port: 9000, rxMessages: 1, rxBytes: 8, txMessages: 0, txBytes: 0, drops: 0, errors: 0 }] };
  // Socket entries without the documented counters (an older shape: rx/tx/dropped): listed, no counter series.
  const today = samples({ backend: 'xdp', xdp: { interfaces: { veth0: iface }, busyPoll: true }, uring: uringHalf,
    sockets: [{ type: 'udp4', address: '10.99.0.1', port: 9000, rx: 40, tx: 38, tx_kernel: 1, dropped: 0, interfaces: ['veth0'] }] });
  const x = { backend: 'xdp', type: 'udp4', port: '9000' };
  t.is(value(today, 'backend_info', { backend: 'xdp' }), 1);
  t.is(value(today, 'sockets', x), 1);
  t.is(value(today, 'socket_rx_messages', x), 0, 'no series from fields the socket does not report');
  t.is(value(today, 'socket_rx_bytes', { backend: 'uring', port: '9000' }), 8, 'the kernel socket, under backend uring');
  t.is(value(today, 'uring_cqes_total'), 12);
  t.is(value(today, 'xdp_busy_poll'), 1);
  t.is(value(today, 'xdp_interface_info', { interface: 'veth0', mode: 'native' }), 1);
  t.is(value(today, 'xdp_bpf_redirected_total', { interface: 'veth0' }), 40);
  t.is(value(today, 'xdp_bpf_fragments_passed_total', { interface: 'veth0' }), 0, 'missing field: no series');
  t.is(value(today, 'xdp_malformed_by_reason_total', { reason: 'bad_checksum' }), 1);
  t.is(value(today, 'xdp_refused_by_reason_total', { reason: 'martian_source' }), 2);
  t.is(value(today, 'xdp_queue_rx_total', { interface: 'veth0', queue: '0' }), 40);
  t.is(value(today, 'xdp_queue_tx_backlog', { queue: '0' }), 2);
  t.is(value(today, 'xdp_queue_zerocopy', { queue: '0' }), 0);
  // The per-socket shape of docs/STATS.md, as xdp sockets report it.
  const later = samples({ backend: 'xdp', xdp: {}, uring: uringHalf,
    sockets: [{ type: 'udp6', address: 'fd99::1', port: 9001, rxMessages: 7, rxBytes: 700, txMessages: 6, txBytes: 600, drops: 1, errors: 0 }] });
  t.is(value(later, 'socket_rx_bytes', { backend: 'xdp', type: 'udp6', address: 'fd99::1', port: '9001' }), 700);
  t.is(value(later, 'socket_drops', { backend: 'xdp' }), 1);
  t.is(value(later, 'xdp_interface_info'), 0, 'engine not started: no interfaces');
});

test('node backend and malformed snapshots: no throw, only what is there', (t) => {
  const node = samples({ backend: 'node', sockets: [] });
  t.is(value(node, 'backend_info', { backend: 'node' }), 1);
  t.is(node.get('sockets').length, 0);
  t.is(node.get('uring_cqes_total').length, 0);
  for (const junk of [undefined, null, 7, 'x', [], { backend: 'uring', sockets: 'x', engine: null },
    { backend: 'xdp', xdp: { interfaces: { a: null, b: { queues: 'q', bpf: 3 } } }, uring: 5, sockets: [null, 3, { port: {} }] }]) {
    t.notThrows(() => samples(junk), JSON.stringify(junk));
  }
  t.is(value(samples({ backend: 'uring', sockets: [{ type: 'tcp', rxBytes: 'lots', txBytes: 3 }] }), 'socket_rx_bytes'), 0);
});

const report = "(e) => console.log(JSON.stringify({ message: e.message, code: e.code }))";
for (const [how, args] of [
  ['require', ['-e', `try { require('./dist/metrics.js') } catch (e) { (${report})(e) }`]],
  ['import', ['--input-type=module', '-e', `await import('./esm/metrics.mjs').catch(${report})`]],
]) {
  test(`without prom-client, ${how} fails with one error naming npm install prom-client`, (t) => {
    const r = spawnSync(process.execPath, ['-r', './test/helpers/without-prom-client.js', ...args], { cwd: root, encoding: 'utf8', timeout: 20000 });
    t.is(r.status, 0, r.stderr);
    t.deepEqual(JSON.parse(r.stdout), {
      message: 'ringsock/metrics needs prom-client, which is not installed: npm install prom-client',
      code: 'MODULE_NOT_FOUND',
    });
    t.is(r.stderr, '', 'no other warning');
  });
}

test('ESM: named import of register', async (t) => {
  const esm = await import('../esm/metrics.mjs');
  t.is(esm.register, metrics.register);
  t.is(esm.default, metrics);
});
