// ringsock.stats() on the uring backend: per-socket counters move by exactly what a UDP and a
// TCP echo over loopback carried, engine totals with them, and closed sockets leave the list.
process.env.RINGSOCK_BACKEND = 'uring';
process.env.RINGSOCK_STRICT = '1';
const test = require('ava');
const { once } = require('node:events');
const dgram = require('../dist/dgram.js');
const net = require('../dist/net.js');
const ringsock = require('../dist/index.js');
const { tcpEchoRound } = require('./helpers/tcp-echo');

const settle = () => new Promise((r) => setTimeout(r, 50));  // send CQEs of the last replies
const entry = (st, type, port) => st.sockets.filter((s) => s.type === type && s.port === port);

test.serial('UDP: rx/tx datagrams and bytes per socket, engine totals, gone after close', async (t) => {
  t.is(ringsock.backend().name, 'uring');
  const server = dgram.createSocket('udp4');
  server.on('message', (msg, rinfo) => server.send(msg, rinfo.port, rinfo.address));
  await new Promise((r) => server.bind(0, '127.0.0.1', r));
  const client = dgram.createSocket('udp4');
  await new Promise((r) => client.bind(0, '127.0.0.1', r));
  const before = ringsock.stats();
  const sizes = [1, 100, 1000, 1472, 0];
  const total = sizes.reduce((a, b) => a + b, 0);
  let got = 0;
  const echoed = new Promise((r) => client.on('message', () => { if (++got === sizes.length) r(); }));
  for (const n of sizes) client.send(Buffer.alloc(n, 7), server.address().port, '127.0.0.1');
  await echoed;
  await settle();
  const st = ringsock.stats();
  t.is(st.backend, 'uring');
  const [s] = entry(st, 'udp4', server.address().port);
  const [c] = entry(st, 'udp4', client.address().port);
  t.truthy(s && c, JSON.stringify(st.sockets));
  t.like(s, { address: '127.0.0.1', rxMessages: 5, rxBytes: total, txMessages: 5, txBytes: total, drops: 0, errors: 0 });
  t.like(c, { address: '127.0.0.1', rxMessages: 5, rxBytes: total, txMessages: 5, txBytes: total, drops: 0, errors: 0 });
  t.is(st.engine.rxDatagrams - before.engine.rxDatagrams, 10);
  t.is(st.engine.txBytes - before.engine.txBytes, 2 * total);
  t.is(st.rxDatagrams, st.engine.rxDatagrams, 'the flat engine fields stay');
  server.close();
  client.close();
  const after = ringsock.stats();
  t.is(entry(after, 'udp4', s.port).length + entry(after, 'udp4', c.port).length, 0, 'closed sockets are not kept');
});

test.serial('TCP: rx/tx bytes per connection, listener and both ends listed', async (t) => {
  const { server, client, port, bytes } = await tcpEchoRound(net);
  await settle();
  const st = ringsock.stats();
  const mine = entry(st, 'tcp', client.localPort);
  t.is(mine.length, 1, JSON.stringify(st.sockets));
  t.like(mine[0], { rxBytes: bytes, txBytes: bytes, txMessages: 1, drops: 0, errors: 0 });
  const side = entry(st, 'tcp', port);
  t.is(side.length, 2, 'the listener and the accepted connection');
  const accepted = side.find((s) => s.rxBytes > 0);
  t.like(accepted, { address: '127.0.0.1', rxBytes: bytes, txBytes: bytes, errors: 0 });
  t.true(accepted.rxMessages >= 1 && accepted.txMessages >= 1);
  client.destroy();
  await once(client, 'close');
  server.close();
  await once(server, 'close');
  await settle();
  t.is(entry(ringsock.stats(), 'tcp', port).length, 0, 'closed: the listener and its connection left the list');
});

// The node backend (forced, or the fallback when io_uring is unavailable) lists Node's own
// sockets that ringsock's modules opened; this file's process runs uring, so a child runs them.
const path = require('node:path');
const { spawnSync } = require('node:child_process');

function runNodeBackend(env, args = []) {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'helpers', 'node-stats.js'), ...args],
    { env: { ...process.env, RINGSOCK_BACKEND: '', RINGSOCK_STRICT: '', ...env }, encoding: 'utf8', timeout: 30000 });
  if (r.status !== 0) throw new Error(`node-stats.js exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

for (const [how, env] of [
  ['RINGSOCK_BACKEND=node', { RINGSOCK_BACKEND: 'node', RINGSOCK_STRICT: '1' }],
  ['the fallback from uring', { RINGSOCK_PROBE_FAIL: 'uring', NODE_NO_WARNINGS: '1' }],
]) {
  test.serial(`node backend (${how}): UDP, TCP and HTTP sockets listed with their counts, gone after close`, (t) => {
    const out = runNodeBackend(env);
    t.is(out.backend.name, 'node');
    const total = 1 + 100 + 1000 + 1472 + 0;

    t.is(out.unbound, 1, 'a socket not bound yet: address "" and port 0');
    const udp = out.udp.stats;
    t.is(udp.backend, 'node');
    const [s] = entry(udp, 'udp4', out.udp.serverPort);
    const [c] = entry(udp, 'udp4', out.udp.clientPort);
    t.truthy(s && c, JSON.stringify(udp.sockets));
    for (const e of [s, c]) {
      t.deepEqual(e, { type: 'udp4', address: '127.0.0.1', port: e.port, rxMessages: 5, rxBytes: total, txMessages: 5, txBytes: total, errors: 0 },
        'no drops field: Node cannot see a dropped datagram');
    }
    t.deepEqual(out.udpKeys, ['_events', '_eventsCount', '_maxListeners', 'type'], 'no enumerable property added');
    t.deepEqual(out.udpListeners, { message: 1, close: 0 }, 'no listener added');
    t.is(out.udpAfterClose.sockets.length, 0, 'close() takes UDP sockets off the list at once');

    const errs = out.udpErrors;
    t.is(errs.code, 'EMSGSIZE');
    t.is(errs.refused, 'ECONNREFUSED recvmsg');
    const [big] = entry(errs.stats, 'udp4', errs.bigPort);
    t.like(big, { txMessages: 0, txBytes: 0, errors: 2 }, 'refused sends, with and without a callback');
    const [conn] = entry(errs.stats, 'udp4', errs.connPort);
    t.like(conn, { rxMessages: 0, errors: 1 }, 'the receive error');
    t.true(conn.txMessages >= 1 && conn.txBytes === conn.txMessages, JSON.stringify(conn));

    const tcp = out.tcp.stats;
    const [client] = entry(tcp, 'tcp', out.tcp.clientPort);
    t.deepEqual(client, { type: 'tcp', address: '127.0.0.1', port: out.tcp.clientPort, rxBytes: 100000, txBytes: 100000 });
    const side = entry(tcp, 'tcp', out.tcp.port);
    t.is(side.length, 2, 'the listener and the accepted connection');
    t.deepEqual(side.find((e) => !('rxBytes' in e)), { type: 'tcp', address: '127.0.0.1', port: out.tcp.port }, 'a listener: no counts');
    t.like(side.find((e) => 'rxBytes' in e), { address: '127.0.0.1', rxBytes: 100000, txBytes: 100000 });
    t.deepEqual(out.tcpListeners, { close: 0, end: 1 }, "no listener added (the one 'end' is Node's own)");
    t.is(out.tcpAfterClose.sockets.length, 0, 'closed: the listener and both ends left the list');

    const web = out.http.stats;
    t.is(out.http.body, 'hello');
    const served = entry(web, 'tcp', out.http.port);
    t.is(served.length, 2, `the http server and the connection it accepted: ${JSON.stringify(web.sockets)}`);
    const accepted = served.find((e) => 'rxBytes' in e);
    const [requester] = web.sockets.filter((e) => e.port !== out.http.port);
    t.truthy(accepted && requester, JSON.stringify(web.sockets));
    t.true(accepted.rxBytes > 0 && accepted.txBytes > 'hello'.length);
    t.is(accepted.rxBytes, requester.txBytes, 'the request, counted at both ends');
    t.is(accepted.txBytes, requester.rxBytes, 'the response, counted at both ends');
  });
}
