// ringsock.stats() on the uring backend: per-socket counters move by exactly what a UDP and a
// TCP echo over loopback carried, engine totals with them, and closed sockets leave the list.
process.env.RINGSOCK_BACKEND = 'uring';
process.env.RINGSOCK_STRICT = '1';
const test = require('ava');
const { once } = require('node:events');
const dgram = require('../dist/dgram.js');
const net = require('../dist/net.js');
const ringsock = require('../dist/index.js');

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
  const server = net.createServer((sock) => sock.pipe(sock));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = server.address().port;
  const client = net.connect(port, '127.0.0.1');
  await once(client, 'connect');
  const payload = Buffer.alloc(100000, 'x');
  let back = 0;
  const echoed = new Promise((r) => client.on('data', (d) => { back += d.length; if (back >= payload.length) r(); }));
  client.write(payload);
  await echoed;
  await settle();
  const st = ringsock.stats();
  const mine = entry(st, 'tcp', client.localPort);
  t.is(mine.length, 1, JSON.stringify(st.sockets));
  t.like(mine[0], { rxBytes: payload.length, txBytes: payload.length, txMessages: 1, drops: 0, errors: 0 });
  const side = entry(st, 'tcp', port);
  t.is(side.length, 2, 'the listener and the accepted connection');
  const accepted = side.find((s) => s.rxBytes > 0);
  t.like(accepted, { address: '127.0.0.1', rxBytes: payload.length, txBytes: payload.length, errors: 0 });
  t.true(accepted.rxMessages >= 1 && accepted.txMessages >= 1);
  client.destroy();
  await once(client, 'close');
  server.close();
  await once(server, 'close');
  await settle();
  t.is(entry(ringsock.stats(), 'tcp', port).length, 0, 'closed: the listener and its connection left the list');
});
