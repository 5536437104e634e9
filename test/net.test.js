// ringsock/net against node:net's behaviour. The same file runs unchanged on every backend
// (RINGSOCK_BACKEND=node|uring|xdp); on node it checks the test itself against Node.
// RINGSOCK_NET_LIBUV=1 with the node backend runs ringsock's net layer over libuv handles.
'use strict';
const test = require('ava');
const { execFileSync } = require('node:child_process');
const { once } = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('../dist/net.js');
const {
  listen, within, nextError, closed, readAll, makeBlocks, sendBlocks, hashAll, kernelSockopts, raiseNofile,
} = require('./net-helpers');

const LO4 = '127.0.0.1';
const LO6 = '::1';
// ringsock's own classes run on every backend but node (there: Node's module, unless the
// RINGSOCK_NET_LIBUV seam puts ringsock's layer over libuv handles).
const own = process.env.RINGSOCK_BACKEND !== 'node' || process.env.RINGSOCK_NET_LIBUV === '1';

test.serial('the backend is the one the environment asks for', (t) => {
  t.is(require('../dist/index.js').backend().name, process.env.RINGSOCK_BACKEND);
});

test.serial('node:net surface: classes, helpers and re-exports', (t) => {
  for (const k of ['createServer', 'connect', 'createConnection', 'Socket', 'Server', 'Stream',
    'isIP', 'isIPv4', 'isIPv6', 'SocketAddress', 'BlockList', 'getDefaultAutoSelectFamily',
    'setDefaultAutoSelectFamily', 'getDefaultAutoSelectFamilyAttemptTimeout']) {
    t.truthy(net[k], k);
  }
  t.is(net.Socket !== require('node:net').Socket, own);
  t.is(new net.Socket() instanceof require('node:net').Socket, !own);
  t.true(net.Socket() instanceof net.Socket, 'callable without new, as node:net\'s');
  t.true(net.Server() instanceof net.Server);
  // Node's own net objects (TLS sockets, http servers are builtin classes) pass the check
  // against the net module the app required, as without ringsock; a subclass stays strict.
  t.true(new (require('node:net').Socket)() instanceof net.Socket);
  t.true(require('node:http').createServer() instanceof net.Server);
  t.true(new (require('node:tls').TLSSocket)(new net.Socket()) instanceof net.Socket);
  class Mine extends net.Socket {}
  t.true(new Mine() instanceof net.Socket);
  t.false(new net.Socket() instanceof Mine);
  t.false(new (require('node:net').Socket)() instanceof Mine);
  t.is(net.isIP('::1'), 6);
  t.true(net.isIPv4('10.0.0.1'));
  t.true(new net.Socket() instanceof require('node:stream').Duplex);
  t.true(net.createServer() instanceof require('node:events').EventEmitter);
});

async function echoServer(opts = {}) {
  const server = net.createServer(opts, (c) => c.pipe(c));
  return server;
}

for (const [family, host] of [['IPv4', LO4], ['IPv6', LO6]]) {
  test.serial(`echo over ${family}: events, addresses, counters, encodings`, async (t) => {
    const server = await echoServer();
    const port = await listen(server, 0, host);
    t.deepEqual(server.address(), { address: host, family, port });
    t.true(server.listening);
    const events = [];
    const c = net.connect({ port, host });
    t.true(c.connecting);
    t.true(c.pending);
    t.is(c.readyState, 'opening');
    for (const ev of ['connect', 'ready', 'end', 'close']) c.on(ev, () => events.push(ev));
    await once(c, 'connect');
    t.false(c.connecting);
    t.false(c.pending);
    t.is(c.readyState, 'open');
    t.is(c.remoteAddress, host);
    t.is(c.remotePort, port);
    t.is(c.remoteFamily, family);
    t.is(c.localAddress, host);
    t.is(c.localFamily, family);
    t.true(c.localPort > 0);
    t.deepEqual(c.address(), { address: host, family, port: c.localPort });
    const callbacks = [];
    c.write('héllo ', 'utf8', () => callbacks.push('utf8'));
    c.write('776f726c64', 'hex', () => callbacks.push('hex'));
    c.write(Buffer.from(' in '), () => callbacks.push('buffer'));
    c.write('YmFzZTY0', 'base64');
    c.write(new Uint8Array([0x21]));
    c.end('\n', 'latin1', () => callbacks.push('end'));
    const got = await within(10_000, 'echo', readAll(c));
    t.is(got.toString('utf8'), 'héllo world in base64!\n');
    await once(c, 'close');
    t.deepEqual(callbacks, ['utf8', 'hex', 'buffer', 'end']);
    t.deepEqual(events, ['connect', 'ready', 'end', 'close']);
    t.is(c.bytesWritten, Buffer.byteLength('héllo world in base64!\n'));
    t.is(c.bytesRead, c.bytesWritten);
    t.is(c.readyState, 'closed');
    t.true(c.destroyed);
    server.close();
    await once(server, 'close');
    t.false(server.listening);
  });
}

test.serial('strings reach the wire as Buffer.from(string, encoding) would encode them', async (t) => {
  const server = await echoServer();
  const port = await listen(server, 0, LO4);
  const c = net.connect({ port, host: LO4 });
  await once(c, 'connect');
  const big = 'ü€'.repeat(40_000);   // > 64 KiB encoded: the handle's pinned path
  const parts = [
    ['héllo ÿ', 'latin1'], ['\u0100\u20ac two-byte chars keep their low byte', 'latin1'], ['bïnary', 'binary'],
    ['ascïi', 'ascii'], ['😀 utf8 €', 'utf8'], ['lone \ud800 surrogate', 'utf-8'], ['ucs2 ü', 'ucs2'],
    ['deadbeef', 'hex'], ['aGk=', 'base64'], [Buffer.from([0, 255]), 'buffer'], ['', 'latin1'],
  ];
  for (let i = 0; i < 30; i++) parts.push([`chunk ${i} ü`, i % 2 ? 'latin1' : 'utf8']);   // > 32 chunks in one writev
  parts.push([big, 'utf8'], [Buffer.from('tail'), 'buffer'], [big, 'latin1']);
  const expected = Buffer.concat(parts.map(([chunk, enc]) => (typeof chunk === 'string' ? Buffer.from(chunk, enc) : chunk)));
  c.cork();
  for (const [chunk, enc] of parts) c.write(chunk, enc);
  c.uncork();
  c.write('single latin1 ÿ', 'latin1');
  c.end('end ü');
  const all = Buffer.concat([expected, Buffer.from('single latin1 ÿ', 'latin1'), Buffer.from('end ü')]);
  const got = await within(20_000, 'echo', readAll(c));
  t.is(got.length, all.length);
  t.true(got.equals(all));
  t.is(c.bytesWritten, all.length);
  server.close();
});

test.serial('connect overloads: (port, host, cb), (options, cb), hostname through dns.lookup', async (t) => {
  const server = await echoServer();
  const port = await listen(server, 0, LO4);
  await new Promise((resolve) => {
    const c = net.createConnection(port, LO4, () => { c.destroy(); resolve(); });
  });
  await new Promise((resolve) => {
    const c = new net.Socket();
    c.connect({ port: String(port), host: LO4 }, () => { c.destroy(); resolve(); });
  });
  // A hostname: 'lookup' reports what dns.lookup answered before the connect.
  const c = net.connect({ port, host: 'localhost', family: 4 });
  const [err, address, addrFamily, host] = await once(c, 'lookup');
  t.is(err, null);
  t.is(address, LO4);
  t.is(addrFamily, 4);
  t.is(host, 'localhost');
  await once(c, 'connect');
  t.is(c.remoteAddress, LO4);
  c.destroy();
  server.close();
});

test.serial('localAddress and localPort bind the client side', async (t) => {
  const server = await echoServer();
  const port = await listen(server, 0, LO4);
  const probe = net.createServer();
  const localPort = await listen(probe, 0, LO4);
  await new Promise((r) => probe.close(r));
  const c = net.connect({ port, host: LO4, localAddress: LO4, localPort });
  await once(c, 'connect');
  t.is(c.localAddress, LO4);
  t.is(c.localPort, localPort);
  c.destroy();
  server.close();
});

test.serial('ECONNREFUSED: errno exception with code, errno, syscall, address, port', async (t) => {
  const probe = net.createServer();
  const port = await listen(probe, 0, LO4);
  await new Promise((r) => probe.close(r));
  const c = net.connect(port, LO4);
  const err = await within(5000, 'ECONNREFUSED', nextError(c));
  t.is(err.code, 'ECONNREFUSED');
  t.is(err.errno, os.constants.errno.ECONNREFUSED * -1);
  t.is(err.syscall, 'connect');
  t.is(err.address, LO4);
  t.is(err.port, port);
  t.is(err.message, `connect ECONNREFUSED ${LO4}:${port}`);
  const [hadError] = await closed(c);
  t.true(hadError);
});

test.serial('EADDRINUSE: listen error event with Node\'s message and fields', async (t) => {
  const a = net.createServer();
  const port = await listen(a, 0, LO4);
  const b = net.createServer();
  b.listen(port, LO4);
  const [err] = await once(b, 'error');
  t.is(err.code, 'EADDRINUSE');
  t.is(err.errno, -os.constants.errno.EADDRINUSE);
  t.is(err.syscall, 'listen');
  t.is(err.address, LO4);
  t.is(err.port, port);
  t.is(err.message, `listen EADDRINUSE: address already in use ${LO4}:${port}`);
  t.false(b.listening);
  a.close();
});

test.serial('ECONNRESET: resetAndDestroy sends RST, the peer reads ECONNRESET', async (t) => {
  const server = net.createServer();
  const port = await listen(server, 0, LO4);
  const accepted = once(server, 'connection');
  const c = net.connect(port, LO4);
  await once(c, 'connect');
  const [s] = await accepted;
  const closed = once(s, 'close');
  t.is(s.resetAndDestroy(), s);
  const err = await within(5000, 'ECONNRESET', nextError(c));
  t.is(err.code, 'ECONNRESET');
  t.is(err.errno, -os.constants.errno.ECONNRESET);
  t.is(err.syscall, 'read');
  await closed;
  // Without a handle, resetAndDestroy reports ERR_SOCKET_CLOSED.
  const lone = new net.Socket();
  lone.resetAndDestroy();
  const [lerr] = await once(lone, 'error');
  t.is(lerr.code, 'ERR_SOCKET_CLOSED');
  server.close();
});

test.serial('argument errors: ERR_SOCKET_BAD_PORT, ERR_INVALID_ARG_TYPE, ERR_MISSING_ARGS', (t) => {
  t.throws(() => net.connect(65536, LO4), { code: 'ERR_SOCKET_BAD_PORT', instanceOf: RangeError });
  t.throws(() => net.connect({ port: -1, host: LO4 }), { code: 'ERR_SOCKET_BAD_PORT' });
  t.throws(() => net.createServer().listen(70000), { code: 'ERR_SOCKET_BAD_PORT' });
  t.throws(() => net.connect({ port: true, host: LO4 }), { code: 'ERR_INVALID_ARG_TYPE', instanceOf: TypeError });
  t.throws(() => net.connect({ host: LO4 }), { code: 'ERR_MISSING_ARGS' });
  t.throws(() => new net.Socket().setTimeout('1'), { code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => new net.Socket().setTimeout(1, 'x'), { code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => net.connect({ port: 1, host: LO4, localAddress: 'nope' }), { code: 'ERR_INVALID_IP_ADDRESS' });
  t.throws(() => new net.Socket().write(42), { code: 'ERR_INVALID_ARG_TYPE' });
});

test.serial('ERR_SOCKET_CLOSED and ERR_STREAM_WRITE_AFTER_END', async (t) => {
  const lone = new net.Socket();
  const e1 = new Promise((resolve) => lone.write('x', resolve));
  const [ev] = await once(lone, 'error');
  t.is(ev.code, 'ERR_SOCKET_CLOSED');
  t.is((await e1).code, 'ERR_SOCKET_CLOSED');

  const server = await echoServer();
  const port = await listen(server, 0, LO4);
  const c = net.connect(port, LO4);
  await once(c, 'connect');
  c.end();
  const cbErr = new Promise((resolve) => c.write('late', resolve));
  const [evErr] = await once(c, 'error');
  t.is(evErr.code, 'ERR_STREAM_WRITE_AFTER_END');
  t.is((await cbErr).code, 'ERR_STREAM_WRITE_AFTER_END');
  server.close();
});

test.serial('writes before connect are queued and sent in order', async (t) => {
  const server = await echoServer();
  const port = await listen(server, 0, LO4);
  const c = net.connect(port, LO4);
  c.write('a');
  c.write('b');
  t.true(c.bytesWritten >= 2);
  c.end('c');
  t.is((await within(5000, 'queued', readAll(c))).toString(), 'abc');
  server.close();
});

test.serial('a write queued before connect and a destroy before connect: ERR_SOCKET_CLOSED_BEFORE_CONNECTION', async (t) => {
  const server = net.createServer();
  const port = await listen(server, { port: 0, host: 'localhost' });
  const accepted = once(server, 'connection');
  const c = net.connect({ port, host: LO4 });
  const cbErr = new Promise((resolve) => c.write('never', resolve));
  c.destroy();
  t.is((await within(5000, 'write callback', cbErr))?.code, 'ERR_SOCKET_CLOSED_BEFORE_CONNECTION');
  // The server side of a real connection knows its server.
  const d = net.connect({ port, host: LO4 });
  const [s] = await within(5000, 'accept', accepted);
  t.is(s.server, server);
  d.destroy();
  s.destroy();
  server.close();
});

test.serial('half-close, client first: allowHalfOpen server answers after the client FIN', async (t) => {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    const parts = [];
    s.on('data', (d) => parts.push(d));
    s.on('end', () => {
      t.true(s.writable, 'still writable after the peer FIN');
      setTimeout(() => s.end(`got ${Buffer.concat(parts)}`), 50);
    });
  });
  const port = await listen(server, 0, LO4);
  const c = net.connect(port, LO4);
  await once(c, 'connect');
  const done = closed(c);
  c.end('question');
  await once(c, 'finish');
  t.is(c.readyState, 'readOnly');
  t.is((await within(5000, 'answer', readAll(c))).toString(), 'got question');
  await within(5000, 'close', done);
  server.close();
});

test.serial('half-close, server first: an allowHalfOpen client keeps writing after the server FIN', async (t) => {
  let received;
  const server = net.createServer((s) => {
    s.end('bye');
    received = readAll(s);
  });
  const port = await listen(server, 0, LO4);
  const c = net.connect({ port, host: LO4, allowHalfOpen: true });
  const done = closed(c);
  t.is((await within(5000, 'bye', readAll(c))).toString(), 'bye');
  t.true(c.writable);
  t.is(c.readyState, 'writeOnly');
  c.end('still talking');
  t.is((await within(5000, 'client data', received)).toString(), 'still talking');
  await within(5000, 'close', done);
  server.close();
});

test.serial('no allowHalfOpen: the peer FIN ends our side too, a later write is EPIPE', async (t) => {
  const server = net.createServer((s) => s.end());
  const port = await listen(server, 0, LO4);
  const c = net.connect(port, LO4);
  c.resume();
  const done = closed(c);
  c.on('error', () => {});
  await once(c, 'end');
  const err = await new Promise((resolve) => c.write('x', resolve));
  t.truthy(err);
  t.true(['EPIPE', 'ERR_STREAM_WRITE_AFTER_END'].includes(err.code), err.code);
  await within(5000, 'close', done);
  server.close();
});

test.serial('backpressure: write() returns false past highWaterMark, drain when the queue empties', async (t) => {
  let serverSide;
  const server = net.createServer({ pauseOnConnect: true }, (s) => { serverSide = s; });
  const port = await listen(server, 0, LO4);
  const c = net.connect({ port, host: LO4, writableHighWaterMark: 64 * 1024 });
  await once(c, 'connect');
  t.is(c.writableHighWaterMark, 64 * 1024);
  // The reader is paused: the kernel buffers fill, then ours.
  const block = makeBlocks(64 * 1024, 3);
  const sentHash = require('node:crypto').createHash('sha256');
  let sent = 0;
  let full = false;
  for (let i = 0; i < 2000 && !full; i++) {
    const b = block(i);
    sentHash.update(b);
    full = !c.write(b);
    sent += b.length;
    if (!full) await new Promise((r) => setImmediate(r));
  }
  t.true(full, 'write() returned false');
  t.true(c.writableLength > 0);
  t.true(c.writableNeedDrain);
  const drained = once(c, 'drain');
  // What sat in buffers while paused must come out intact (buffers stay the receiver's).
  const received = hashAll(serverSide);
  serverSide.resume();
  await within(10_000, 'drain', drained);
  t.is(c.writableLength, 0);
  c.end();
  const got = await within(10_000, 'all data', received);
  t.is(got.bytes, sent);
  t.is(got.hex, sentHash.digest('hex'));
  server.close();
});

test.serial('a server paused for a while gets every byte intact after resume', async (t) => {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.pause();
    setTimeout(() => s.resume(), 300);
    hashAll(s).then((r) => s.end(JSON.stringify(r)));
  });
  const port = await listen(server, 0, LO4);
  const c = net.connect(port, LO4);
  const sentHex = await sendBlocks(c, 64, makeBlocks(16 * 1024, 4)); // 1 MiB in 16 KiB writes
  const reply = JSON.parse((await within(10_000, 'reply', readAll(c))).toString());
  t.is(reply.bytes, 1024 * 1024);
  t.is(reply.hex, sentHex);
  server.close();
});

test.serial('family auto-selection tries each looked-up address: IPv4 refused, then IPv6', async (t) => {
  const server = net.createServer((s) => s.end('v6 answered'));
  const port = await listen(server, 0, LO6);
  const lookup = (host, opts, cb) => {
    t.true(opts.all);
    setImmediate(cb, null, [{ address: LO4, family: 4 }, { address: LO6, family: 6 }]);
  };
  const c = net.connect({ port, host: 'dual.test', lookup, autoSelectFamily: true });
  const lookups = [];
  c.on('lookup', (err, address, family, host) => lookups.push([err, address, family, host]));
  t.is((await within(5000, 'answer', readAll(c))).toString(), 'v6 answered');
  t.deepEqual(lookups, [[null, LO4, 4, 'dual.test'], [null, LO6, 6, 'dual.test']]);
  t.deepEqual(c.autoSelectFamilyAttemptedAddresses, [`${LO4}:${port}`, `${LO6}:${port}`]);
  // family: 6 asks dns.lookup for IPv6 only.
  const d = net.connect({ port, host: 'v6.test', family: 6, lookup: (host, opts, cb) => {
    t.is(opts.family, 6);
    setImmediate(cb, null, LO6, 6);
  } });
  t.is((await within(5000, 'family 6', readAll(d))).toString(), 'v6 answered');
  server.close();
});

test.serial('pause/resume stop and restart data; setEncoding decodes', async (t) => {
  const server = net.createServer((s) => {
    s.write('first');
    setTimeout(() => s.end('second'), 100);
  });
  const port = await listen(server, 0, LO4);
  const c = net.connect(port, LO4);
  c.setEncoding('utf8');
  const [first] = await once(c, 'data');
  t.is(first, 'first');
  c.pause();
  t.true(c.isPaused());
  let during = 0;
  c.on('data', () => { during++; });
  await new Promise((r) => setTimeout(r, 300));
  t.is(during, 0, 'no data while paused');
  const rest = [];
  c.on('data', (d) => rest.push(d));
  c.resume();
  await once(c, 'end');
  t.is(rest.join(''), 'second');
  server.close();
});

test.serial('socket._handle.onread can be swapped and put back, as Node\'s http Agent does with idle sockets', async (t) => {
  const conns = [];
  const server = net.createServer((s) => conns.push(s));
  const port = await listen(server, 0, LO4);
  // A guard while idle: any read destroys the socket (the read itself is not delivered).
  const a = net.connect({ port, host: LO4 });
  await once(a, 'connect');
  const reader = a._handle.onread;
  t.is(typeof reader, 'function');
  const guard = function freeSocketOnReadGuard() { a.destroy(); };
  a._handle.onread = guard;
  t.is(a._handle.onread, guard);
  a.on('data', () => t.fail('no data once the guard is in place'));
  await within(5_000, 'server side', (async () => { while (conns.length < 1) await new Promise((r) => setImmediate(r)); })());
  conns[0].write('unexpected');
  await within(5_000, 'guarded socket closes', once(a, 'close'));
  // Guard in place, then the socket's own reader back: bytes flow as before.
  const b = net.connect({ port, host: LO4 });
  await once(b, 'connect');
  const own = b._handle.onread;
  b._handle.onread = function freeSocketOnReadGuard() { b.destroy(); };
  b._handle.onread = own;
  t.is(b._handle.onread, own);
  await within(5_000, 'server side', (async () => { while (conns.length < 2) await new Promise((r) => setImmediate(r)); })());
  conns[1].end('hello');
  const got = await within(5_000, 'echo', readAll(b));
  t.is(got.toString(), 'hello');
  server.close();
});

test.serial('destroy closes the handle through handle.close(cb) and resetAndDestroy through handle.reset(cb); \'close\' comes from that callback', async (t) => {
  const server = net.createServer((s) => s.on('error', () => {}));   // the reset reaches it
  const port = await listen(server, 0, LO4);
  const calls = [];
  // Wrapped as Node's test-http-client-spurious-aborted does: the wrapper calls back itself.
  const wrap = (sock, name) => {
    const h = sock._handle;
    const orig = h[name];
    h[name] = function (cb) {
      calls.push(`${name}:${typeof cb}`);
      orig.call(this);
      cb();
    };
  };
  const a = net.connect(port, LO4);
  await once(a, 'connect');
  wrap(a, 'close');
  let order = '';
  a.on('close', () => { order += 'close'; });
  a.destroy();
  order += '|after destroy';
  t.is(order, 'close|after destroy', '\'close\' is emitted by the handle\'s callback');
  const b = net.connect(port, LO4);
  await once(b, 'connect');
  wrap(b, 'reset');
  const bClosed = once(b, 'close');
  b.resetAndDestroy();
  await within(5_000, 'reset socket closes', bClosed);
  t.deepEqual(calls, ['close:function', 'reset:function']);
  // Unwrapped, the callback comes in the loop's close phase, as after libuv's uv_close: after
  // the setImmediate callbacks of this turn (Node's docs; its tests count on it).
  const c = net.connect(port, LO4);
  await once(c, 'connect');
  const seen = [];
  c.on('close', () => seen.push('close'));
  c.destroy();
  setImmediate(() => seen.push('immediate'));
  seen.push('sync');
  await within(5_000, 'close', once(c, 'close'));
  t.deepEqual(seen, ['sync', 'immediate', 'close']);
  server.close();
});

test.serial('TLS over ringsock sockets: tls.connect({ socket }) with a socket connected afterwards waits for the connection (Node\'s docs allow it); a TLS socket dies with its raw socket', async (t) => {
  const tls = require('node:tls');
  const { execFileSync } = require('node:child_process');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringsock-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
    const server = tls.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) },
      (c) => c.end('hello over tls'));
    const port = await new Promise((resolve) => server.listen(0, LO4, () => resolve(server.address().port)));
    const socket = new net.Socket();
    socket.on('error', () => {});   // TLS writes its close after the peer's FIN (Node's own too)
    const secure = tls.connect({ socket, rejectUnauthorized: false });
    secure.on('error', () => {});   // the same close race, seen through TLS
    socket.connect(port, LO4);
    const got = await within(10_000, 'TLS data', readAll(secure));
    t.is(got.toString(), 'hello over tls');
    server.close();
    // A plain server that closes at once: the handshake fails with ECONNRESET, as with Node's
    // own socket, not with the unconnected socket's ERR_SOCKET_CLOSED.
    const plain = net.createServer((c) => c.end());
    const pport = await listen(plain, 0, LO4);
    const s2 = new net.Socket();
    s2.on('error', () => {});
    const secure2 = tls.connect({ socket: s2 });
    s2.connect(pport, LO4);
    const [err] = await within(10_000, 'TLS error', once(secure2, 'error'));
    t.is(err.code, 'ECONNRESET');
    plain.close();
    // A net server handing its sockets to a TLS server (Node's test-tls-socket-close): when the
    // raw socket is destroyed, its 'close' listeners find the TLS socket destroyed already.
    let serverTls = null;
    const upgrader = tls.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) },
      (c) => { serverTls = c; c.on('data', () => c.write('.')); c.on('error', () => {}); });
    let raw = null, tlsDestroyedAtClose = null;
    const front = net.createServer((c) => {
      raw = c;
      upgrader.emit('connection', c);
      c.on('close', () => { tlsDestroyedAtClose = serverTls && serverTls.destroyed; });
    });
    const fport = await listen(front, 0, LO4);
    const client = tls.connect({ host: LO4, port: fport, rejectUnauthorized: false });
    client.on('error', () => {});
    client.write('.');
    await within(10_000, 'TLS echo', once(client, 'data'));
    t.false(serverTls.destroyed);
    const rawClosed = once(raw, 'close');
    raw.destroy();
    await within(5_000, 'raw socket close', rawClosed);
    t.true(tlsDestroyedAtClose);
    client.destroy();
    front.close();
    // The TLS client half-closes after its request; the TLS server answers after that FIN (as
    // an https server does). The raw socket leaves the FIN to TLS: the answer is not an EPIPE.
    const late = tls.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'cert.pem')) },
      (c) => { let got = ''; c.on('data', (d) => { got += d; }); c.on('end', () => c.end(`answer to ${got}`)); });
    let serverErr = null;
    late.on('tlsClientError', (e) => { serverErr = e; });
    const front2 = net.createServer((c) => late.emit('connection', c));
    const port2 = await listen(front2, 0, LO4);
    const asker = tls.connect({ host: LO4, port: port2, rejectUnauthorized: false });
    asker.end('question');
    const answer = await within(10_000, 'answer after FIN', readAll(asker));
    t.is(answer.toString(), 'answer to question');
    t.is(serverErr, null);
    front2.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.serial('a plain object given as handle gets onread on itself, never on Object.prototype', (t) => {
  const calls = [];
  const handle = { readStart() { calls.push('readStart'); return 0; }, setNoDelay(on) { calls.push(`setNoDelay ${on}`); return 0; } };
  const socket = new net.Socket({ handle });
  socket.setNoDelay();
  t.false(Object.prototype.hasOwnProperty.call(Object.prototype, 'onread'));
  t.false('onread' in {});
  t.false('onread' in globalThis);
  t.true(calls.includes('setNoDelay true'));
});

test.serial('onread: bytes land in the caller\'s buffer, false from the callback pauses', async (t) => {
  const payload = makeBlocks(256 * 1024, 5)(0);
  const server = net.createServer((s) => s.end(payload));
  const port = await listen(server, 0, LO4);
  const buffer = Buffer.alloc(16 * 1024);
  const parts = [];
  let calls = 0;
  let paused = false;
  const c = net.connect({
    port, host: LO4,
    onread: {
      buffer,
      callback(nread, buf) {
        t.is(buf, buffer);
        parts.push(Buffer.from(buf.subarray(0, nread)));
        calls++;
        if (calls === 2) {
          paused = true;
          setTimeout(() => { paused = false; c.resume(); }, 100);
          return false;
        }
        t.false(paused, 'no callback while paused');
        return true;
      },
    },
  });
  c.on('data', () => t.fail('no data events with onread'));
  await within(10_000, 'end', once(c, 'end'));
  t.true(calls >= 16);
  t.true(Buffer.concat(parts).equals(payload));
  server.close();
});

test.serial('loop phases: a setImmediate queued in a \'data\' callback runs before the peer\'s next message is read, as with libuv', async (t) => {
  // The reply goes out, the peer answers at once; libuv runs this turn's immediates before it
  // polls again, so every round's immediate comes before the next round's 'data'.
  const ROUNDS = 200;
  let late = 0;
  const server = net.createServer((s) => {
    let immediateRan = true;
    s.on('data', (d) => {
      if (!immediateRan) late++;
      immediateRan = false;
      setImmediate(() => { immediateRan = true; });
      s.write(d);
    });
  });
  const port = await listen(server, 0, LO4);
  const c = net.connect(port, LO4);
  c.setNoDelay(true);
  let rounds = 0;
  const done = new Promise((resolve) => {
    c.on('data', () => {
      if (++rounds === ROUNDS) resolve();
      else c.write('x');
    });
  });
  c.write('x');
  await within(10_000, 'ping-pong rounds', done);
  t.is(late, 0, `${late} of ${ROUNDS} messages were read before the previous round's setImmediate ran`);
  c.destroy();
  server.close();
});

test.serial('setTimeout: idle emits timeout, activity postpones it, 0 turns it off', async (t) => {
  const server = net.createServer((s) => s.on('data', () => {}));
  const port = await listen(server, 0, LO4);
  const c = net.connect(port, LO4);
  await once(c, 'connect');
  const start = Date.now();
  const fired = new Promise((resolve) => c.setTimeout(150, resolve));
  t.is(c.timeout, 150);
  // Writes every 50 ms keep it from firing for ~300 ms.
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 50));
    c.write('.');
  }
  await within(5000, 'timeout', fired);
  t.true(Date.now() - start >= 300 + 100, 'activity refreshed the timer');
  t.false(c.destroyed, 'timeout does not close the socket');
  c.setTimeout(0);
  let again = false;
  c.on('timeout', () => { again = true; });
  await new Promise((r) => setTimeout(r, 300));
  t.false(again);
  c.destroy();
  server.close();
});

test.serial('setTimeout fires while a write is stuck behind a peer that does not read', async (t) => {
  const server = net.createServer({ pauseOnConnect: true }, () => {});
  const port = await listen(server, 0, LO4);
  const c = net.connect(port, LO4);
  await once(c, 'connect');
  c.write(Buffer.alloc(32 * 1024 * 1024, 1)); // far more than both kernel buffers hold
  const start = Date.now();
  await within(10_000, 'timeout with a stalled write', once(c.setTimeout(200), 'timeout'));
  t.true(c.writableLength > 0, 'the write is still pending');
  t.true(Date.now() - start < 5000);
  c.destroy();
  server.close();
});

test.serial('connect option timeout and destroySoon', async (t) => {
  const server = net.createServer((s) => s.resume());
  const port = await listen(server, 0, LO4);
  const c = net.connect({ port, host: LO4, timeout: 100 });
  await within(5000, 'timeout', once(c, 'timeout'));
  c.write('x');
  c.destroySoon();
  await within(5000, 'close', once(c, 'close'));
  t.true(c.destroyed);
  t.is(c.bytesWritten, 1);
  server.close();
});

test.serial('destroy(err) emits error then close(true); destroy() emits close(false)', async (t) => {
  const server = net.createServer((s) => s.resume());
  const port = await listen(server, 0, LO4);
  const c = net.connect(port, LO4);
  await once(c, 'connect');
  const order = [];
  c.on('error', (e) => order.push(`error:${e.message}`));
  c.on('close', (hadError) => order.push(`close:${hadError}`));
  c.destroy(new Error('boom'));
  await closed(c);
  t.deepEqual(order, ['error:boom', 'close:true']);
  const d = net.connect(port, LO4);
  await once(d, 'connect');
  d.destroy();
  const [hadError] = await once(d, 'close');
  t.false(hadError);
  server.close();
});

test.serial('setNoDelay and setKeepAlive reach the kernel socket', async (t) => {
  const server = net.createServer({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 7000 });
  const port = await listen(server, 0, LO4);
  const accepted = once(server, 'connection');
  const c = net.connect(port, LO4);
  await once(c, 'connect');
  const [s] = await accepted;
  // The kernel's word wherever there is a kernel socket (fd >= 0); the handle's getsockopt must
  // agree with it, and is the only witness for a socket the kernel does not hold (AF_XDP stack).
  const read = (sock) => {
    const h = sock._handle;
    let fromHandle = null;
    if (typeof h.getsockopt === 'function' && h.getsockopt(6, 1) !== -38) { // ENOSYS: cannot tell
      fromHandle = { nodelay: h.getsockopt(6, 1), keepalive: h.getsockopt(1, 9), keepidle: h.getsockopt(6, 4) };
    }
    if (typeof h.fd === 'number' && h.fd >= 0) {
      const kernel = kernelSockopts(h.fd);
      if (fromHandle) t.deepEqual(fromHandle, kernel, 'handle.getsockopt agrees with the kernel');
      return kernel;
    }
    t.truthy(fromHandle, 'a socket without an fd answers getsockopt');
    return fromHandle;
  };
  // Server options apply to accepted sockets.
  let o = read(s);
  t.true(o.nodelay > 0);
  t.true(o.keepalive > 0);
  t.is(o.keepidle, 7);
  o = read(c);
  t.is(o.nodelay, 0);
  t.is(o.keepalive, 0);
  t.is(c.setNoDelay(), c);
  c.setKeepAlive(true, 3000);
  o = read(c);
  t.true(o.nodelay > 0);
  t.true(o.keepalive > 0);
  t.is(o.keepidle, 3);
  c.setNoDelay(false);
  c.setKeepAlive(false);
  o = read(c);
  t.is(o.nodelay, 0);
  t.is(o.keepalive, 0);
  // Options set before connect are applied once connected.
  const d = new net.Socket();
  d.setNoDelay(true);
  d.setKeepAlive(true, 5000);
  d.connect(port, LO4);
  await once(d, 'connect');
  o = read(d);
  t.true(o.nodelay > 0);
  t.true(o.keepalive > 0);
  t.is(o.keepidle, 5);
  c.destroy();
  d.destroy();
  server.close();
});

test.serial('server: maxConnections drops with a drop event, getConnections counts, close waits', async (t) => {
  const server = net.createServer((s) => s.resume());
  server.maxConnections = 2;
  const port = await listen(server, 0, LO4);
  const clients = [];
  for (let i = 0; i < 2; i++) {
    const c = net.connect(port, LO4);
    clients.push(c);
    await once(server, 'connection');
  }
  const dropped = once(server, 'drop');
  const third = net.connect(port, LO4);
  third.on('error', () => {});
  third.resume();
  const [info] = await within(5000, 'drop', dropped);
  t.is(info.localAddress, LO4);
  t.is(info.localPort, port);
  t.is(info.remoteAddress, LO4);
  t.is(info.remoteFamily, 'IPv4');
  t.is(info.remotePort, third.localPort);
  await once(third, 'close');
  const count = await new Promise((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
  t.is(count, 2);
  let closed = false;
  server.close(() => { closed = true; });
  t.false(server.listening);
  await new Promise((r) => setTimeout(r, 100));
  t.false(closed, 'close waits for open connections');
  for (const c of clients) c.end();
  await within(5000, 'server close', once(server, 'close'));
  t.true(closed);
  const again = await new Promise((resolve) => server.close(resolve));
  t.is(again.code, 'ERR_SERVER_NOT_RUNNING');
});

test.serial('server: listen options object, backlog, exclusive, signal, listen twice', async (t) => {
  const ac = new AbortController();
  const server = net.createServer();
  const port = await listen(server, { port: 0, host: LO4, backlog: 16, exclusive: true, signal: ac.signal });
  t.true(port > 0);
  t.throws(() => server.listen(0), { code: 'ERR_SERVER_ALREADY_LISTEN' });
  ac.abort();
  await within(5000, 'abort closes', once(server, 'close'));
  t.false(server.listening);
  // listen() with no arguments: a random port on the unspecified address.
  const any = net.createServer();
  await listen(any);
  t.deepEqual(any.address(), { address: '::', family: 'IPv6', port: any.address().port });
  const accepted = once(any, 'connection');
  const c = net.connect(any.address().port, LO4);
  await once(c, 'connect');
  // Dual stack: an IPv4 peer shows as an IPv4-mapped IPv6 address, as in Node.
  const [s] = await accepted;
  t.is(s.remoteAddress, '::ffff:127.0.0.1');
  t.is(s.remoteFamily, 'IPv6');
  t.is(s.localAddress, '::ffff:127.0.0.1');
  t.is(s.remotePort, c.localPort);
  c.destroy();
  s.destroy();
  any.close();
});

// The kernel's backlog of a listening socket: ss shows it as Send-Q.
function kernelBacklog(port) {
  const out = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8', timeout: 10_000 });
  return Number(out.trim().split(/\s+/)[2]);
}

test('listen backlog: Node passes it unchecked, its handle takes Int32Value(backlog || 511)', async (t) => {
  const somaxconn = Number(fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8'));
  const cases = [
    ['16', 16], ['0x10', 16], [' 16 ', 16], ['1e3', 1000], ['abc', 0], ['', 511], [null, 511],
    [undefined, 511], [0, 511], [NaN, 511], [1.5, 1], [true, 1], [{}, 0], [[], 0], [2 ** 40, 0],
    [Infinity, 0], [-1, somaxconn],
  ];
  for (const [backlog, want] of cases) {
    const server = net.createServer();
    const port = await listen(server, { port: 0, host: LO4, backlog });
    t.is(kernelBacklog(port), Math.min(want, somaxconn), `backlog ${typeof backlog} ${String(backlog)}`);
    await new Promise((resolve) => server.close(resolve));
  }
  // listen(port, host, backlog): Node's own toNumber() first ('16' -> 16, 'abc' -> 511).
  for (const [backlog, want] of [['16', 16], ['abc', 511]]) {
    const server = net.createServer();
    const port = await listen(server, 0, LO4, backlog);
    t.is(kernelBacklog(port), want, `listen(0, host, ${backlog})`);
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a second connect() while connecting: connect EALREADY naming the local address, as Node', async (t) => {
  const server = net.createServer((s) => s.end());
  const port = await listen(server, 0, LO4);
  const c = net.connect(port, LO4);
  let connected = false;
  c.on('connect', () => { connected = true; });
  t.is(c.connect(port, LO4), c);
  const err = await within(5000, 'EALREADY', nextError(c));
  t.is(err.code, 'EALREADY');
  t.is(err.errno, -114);
  t.is(err.syscall, 'connect');
  t.is(err.address, LO4);
  t.is(err.port, port);
  t.regex(err.message, new RegExp(`^connect EALREADY 127\\.0\\.0\\.1:${port} - Local \\(127\\.0\\.0\\.1:\\d+\\)$`));
  await within(5000, 'close', closed(c));
  t.true(c.destroyed);
  t.false(connected, 'the first connect does not complete on the destroyed socket');
  server.close();
});

test.serial('ipv6Only: a dual-stack-capable listener refuses IPv4 when asked', async (t) => {
  const v6 = net.createServer((s) => s.end('v6'));
  const port = await listen(v6, { port: 0, host: '::', ipv6Only: true });
  const c = net.connect(port, LO6);
  t.is((await within(5000, 'v6', readAll(c))).toString(), 'v6');
  const d = net.connect(port, LO4);
  const err = await within(5000, 'refused', nextError(d));
  t.is(err.code, 'ECONNREFUSED');
  // And the IPv4 port is free for another server.
  const v4 = net.createServer();
  await listen(v4, port, LO4);
  v4.close();
  v6.close();
});

test.serial('ref/unref: an unref\'d server or client does not keep the process alive', async (t) => {
  const { execFileSync } = require('node:child_process');
  const script = `
    const net = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'net.js'))});
    const s = net.createServer(); s.listen(0, '127.0.0.1', () => { s.unref(); console.log('listening'); });
    process.on('exit', () => console.log('exit'));`;
  const out = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
  t.is(out.trim(), 'listening\nexit');
  // A client unref'd before its connection exists stays unref'd once connected: the child
  // exits although the server keeps the connection open (its handle is made after connect()).
  const holder = net.createServer(() => {});
  const port = await listen(holder, 0, LO4);
  const client = `
    const net = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'net.js'))});
    const c = net.connect(${port}, '127.0.0.1', () => console.log('connected')); c.unref();
    process.on('exit', () => console.log('exit'));`;
  const { execFile } = require('node:child_process');
  const outcome = await new Promise((resolve) => {
    execFile(process.execPath, ['-e', client], { encoding: 'utf8', timeout: 10_000 }, (err, stdout) => resolve({ err, stdout }));
  });
  t.falsy(outcome.err, 'the unref\'d client did not keep its process alive');
  t.is(outcome.stdout.trim().split('\n').pop(), 'exit');
  holder.close();
  const server = net.createServer();
  await listen(server, 0, LO4);
  t.is(server.unref(), server);
  t.is(server.ref(), server);
  server.close();
});

test.serial('Unix-domain paths work as with Node (libuv pipes, as in Node)', async (t) => {
  const sock = path.join(os.tmpdir(), `ringsock-net-${process.pid}.sock`);
  fs.rmSync(sock, { force: true });
  const server = net.createServer((s) => s.pipe(s));
  await new Promise((resolve, reject) => { server.once('error', reject); server.listen(sock, resolve); });
  t.is(server.address(), sock);
  const c = net.connect(sock);
  c.end('over a unix socket');
  t.is((await within(5000, 'unix echo', readAll(c))).toString(), 'over a unix socket');
  // new Socket() then connect(path), as pg does.
  const d = new net.Socket();
  d.connect(sock, () => d.end('socket then connect'));
  t.is((await within(5000, 'unix echo 2', readAll(d))).toString(), 'socket then connect');
  await new Promise((r) => server.close(r));
  t.false(fs.existsSync(sock));
  const e = new net.Socket().connect(sock);
  const err = await within(5000, 'ENOENT', nextError(e));
  t.is(err.code, 'ENOENT');
  t.is(err.syscall, 'connect');
  t.is(err.address, sock);
  t.is(err.message, `connect ENOENT ${sock}`);
});

test.serial('1 GiB each way at once, sha256 equal on both ends', async (t) => {
  t.timeout(150_000);
  const GiB = 1024 ** 3;
  const blockSize = 1024 * 1024;
  const count = GiB / blockSize;
  let serverResult;
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    serverResult = Promise.all([hashAll(s), sendBlocks(s, count, makeBlocks(blockSize, 2))]);
  });
  server.on('error', (e) => t.fail(e.message));
  const port = await listen(server, 0, LO4);
  const c = net.connect({ port, host: LO4, allowHalfOpen: true });
  await once(c, 'connect');
  const started = Date.now();
  const [clientGot, clientSent] = await within(140_000, '2 GiB transfer',
    Promise.all([hashAll(c), sendBlocks(c, count, makeBlocks(blockSize, 1))]));
  const [serverGot, serverSent] = await within(10_000, 'server side', serverResult);
  t.is(serverGot.bytes, GiB);
  t.is(clientGot.bytes, GiB);
  t.is(serverGot.hex, clientSent);
  t.is(clientGot.hex, serverSent);
  t.not(clientSent, serverSent);
  t.log(`2 GiB in ${Date.now() - started} ms`);
  c.destroy();
  server.close();
});

test.serial('destroy() right after writes: every byte already written still reaches the peer (as node), also when the process then ends', async (t) => {
  // 12 KB: below the high-water mark, so every write() returned true (done, as far as the
  // application knows) before destroy().
  const chunks = Array.from({ length: 12 }, (_, i) => Buffer.alloc(1000, 65 + i));
  const expected = Buffer.concat(chunks);
  // Server side: 20 writes whose callbacks report success, then destroy() in the same tick.
  const server = net.createServer((s) => {
    for (const c of chunks) s.write(c);
    s.destroy();
  });
  const port = await listen(server, 0, LO4);
  const c = net.connect(port, LO4);
  const got = await within(10000, 'the peer did not get the end of the stream', readAll(c));
  t.is(Buffer.compare(got, expected), 0, `received ${got.length} of ${expected.length} bytes`);
  // Client side in a child that writes, destroys and has nothing left to do: its process ends.
  const received = [];
  const done = new Promise((resolve) => {
    server.removeAllListeners('connection');
    server.on('connection', (s) => { s.on('data', (d) => received.push(d)); s.on('close', resolve); s.on('error', () => {}); });
  });
  const { spawnSync } = require('node:child_process');
  const child = spawnSync(process.execPath, ['-e', `
    const net = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'net.js'))});
    const c = net.connect(${port}, '127.0.0.1', () => {
      for (let i = 0; i < 12; i++) if (!c.write(Buffer.alloc(1000, 65 + i))) process.exitCode = 3;
      c.destroy();
    });
  `], { timeout: 10000, encoding: 'utf8' });
  t.is(child.status, 0, child.stderr);
  await within(10000, 'the child\'s connection did not close', done);
  t.is(Buffer.compare(Buffer.concat(received), expected), 0, `received ${Buffer.concat(received).length} bytes from the exiting child`);
  await new Promise((r) => server.close(r));
});

test('a socket whose peer ended and whose writes are done no longer holds the process, read or not (as libuv at EOF)', (t) => {
  const { spawnSync } = require('node:child_process');
  // Node's test-net-socket-close-after-end shape: the client never reads what it got.
  const child = spawnSync(process.execPath, ['-e', `
    const net = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'net.js'))});
    const server = net.createServer((s) => { s.on('close', () => server.close()); s.resume(); s.end('foo'); });
    server.listen(0, '127.0.0.1', () => {
      const c = net.connect(server.address().port, '127.0.0.1', () => c.end('bar'));
      c.on('finish', () => console.log('finish'));
    });
    process.on('exit', () => console.log('exit'));
  `], { timeout: 10000, encoding: 'utf8' });
  t.is(child.signal, null, `the process did not end by itself: ${child.stderr}`);
  t.is(child.status, 0, child.stderr);
  t.deepEqual(child.stdout.trim().split('\n'), ['finish', 'exit']);
});

test('bytes and the end still on their way keep the process alive after the peer ended (1 MiB then FIN, nothing else holds the loop)', (t) => {
  const { spawnSync } = require('node:child_process');
  // Node's test-net-bytes-read shape: the server answers the client's end() with 1 MiB and its own end.
  const child = spawnSync(process.execPath, ['-e', `
    const net = require(${JSON.stringify(path.join(__dirname, '..', 'dist', 'net.js'))});
    const big = Buffer.alloc(1024 * 1024, 7);
    const server = net.createServer((s) => { s.end(big); server.close(); });
    server.listen(0, '127.0.0.1', () => {
      const c = net.connect(server.address().port, '127.0.0.1', () => c.end());
      let n = 0;
      c.on('data', (d) => { n += d.length; });
      c.on('end', () => console.log('end ' + n + ' ' + c.bytesRead));
      c.on('close', () => console.log('close'));
    });
  `], { timeout: 10000, encoding: 'utf8' });
  t.is(child.signal, null, `the process did not end by itself: ${child.stderr}`);
  t.is(child.status, 0, child.stderr);
  t.deepEqual(child.stdout.trim().split('\n'), ['end 1048576 1048576', 'close']);
});

test('a closed socket connects again with connect(): new connection, data, counters from zero', async (t) => {
  let n = 0;
  const server = net.createServer((s) => s.end(`hello ${++n}`));
  await new Promise((r) => server.listen(0, LO4, r));
  const c = new net.Socket();
  const seen = [];
  for (let round = 1; round <= 2; round++) {
    const got = [];
    c.on('data', (d) => got.push(d));
    await within(5000, `round ${round}: no close`, new Promise((resolve) => {
      c.once('close', resolve);
      c.connect(server.address().port, LO4);
    }));
    c.removeAllListeners('data');
    seen.push([Buffer.concat(got).toString(), c.bytesRead, c.destroyed]);
  }
  t.deepEqual(seen, [['hello 1', 7, true], ['hello 2', 7, true]]);
  await new Promise((r) => server.close(r));
});

test.serial('out of descriptors (EMFILE): queued connections are dropped as libuv does, no error, no spin, service resumes', async (t) => {
  const { spawn } = require('node:child_process');
  const script = path.join(__dirname, 'helpers', 'emfile-server.js');
  const child = spawn('bash', ['-c', `ulimit -n 64 && exec "${process.execPath}" "${script}"`], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let buf = '';
  const gotLine = () => new Promise((resolve) => {
    const check = () => { if (lines.length) { resolve(lines.shift()); return true; } return false; };
    if (check()) return;
    const onData = () => { if (check()) child.stdout.off('data', onData); };
    child.stdout.on('data', onData);
  });
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) { lines.push(buf.slice(0, i)); buf = buf.slice(i + 1); }
  });
  const port = Number((await within(10000, 'the server did not start', gotLine())).split(' ')[1]);
  // 150 clients against a server that can hold ~60 descriptors: each one is either served
  // (its bytes come back) or dropped (closed by the server), none is left hanging.
  const outcomes = await within(20000, 'a client was neither served nor closed', Promise.all(
    Array.from({ length: 150 }, () => new Promise((resolve) => {
      const c = net.connect(port, LO4);
      let done = false;
      const finish = (what) => { if (!done) { done = true; resolve({ what, c }); } };
      c.on('error', () => finish('closed'));
      c.on('close', () => finish('closed'));
      c.on('data', (d) => { if (d.toString() === 'hi') finish('served'); });
      c.write('hi');
    }))));
  const served = outcomes.filter((o) => o.what === 'served').length;
  t.true(served >= 1 && served < 150, `served ${served} of 150`);
  for (const { c } of outcomes) c.destroy();
  await new Promise((r) => setTimeout(r, 300));
  // Descriptors are free again: a new connection is accepted and served.
  const c = net.connect(port, LO4);
  c.write('again');
  const [reply] = await within(10000, 'no echo after the descriptors came back', once(c, 'data'));
  t.is(reply.toString(), 'again');
  c.destroy();
  child.stdin.end();
  const report = JSON.parse(await within(10000, 'no report from the server', gotLine()));
  t.is(report.errors, 0, 'Node reports nothing when the reserve-fd trick emptied the queue');
  const u = report.stats.uring ?? report.stats;  // xdp's TCP is its io_uring half's
  if (report.backend !== 'node') {
    // A spin re-arming accept on EMFILE took >100,000 wake-ups per second here.
    t.true(u.wakeups < 5000, `wake-ups: ${u.wakeups}`);
    t.true(u.emfileDrops > 0, 'connections were dropped through the reserve descriptor');
  }
});

test.serial('5,000 concurrent connections on loopback, each one echoed, all cleaned up', async (t) => {
  t.timeout(120_000);
  raiseNofile(65536);
  const N = 5000;
  const server = net.createServer((s) => s.pipe(s));
  server.on('error', (e) => t.fail(e.message));
  const port = await listen(server, { port: 0, host: LO4, backlog: 4096 });
  const clients = [];
  const closes = [];
  const echoed = [];
  let failures = 0;
  const started = Date.now();
  // Open in waves of 500 so the accept queue never overflows into SYN retransmits.
  for (let wave = 0; wave < N; wave += 500) {
    const batch = [];
    for (let i = wave; i < Math.min(N, wave + 500); i++) {
      const c = net.connect(port, LO4);
      clients.push(c);
      closes.push(closed(c));
      c.on('error', () => { failures++; });
      batch.push(new Promise((resolve) => {
        c.once('connect', () => {
          c.write(`conn ${i};`);
          c.once('data', (d) => { echoed[i] = d.toString(); resolve(); });
        });
        c.once('close', resolve);
      }));
    }
    await within(30_000, `wave at ${wave}`, Promise.all(batch));
  }
  t.is(failures, 0);
  const count = await new Promise((resolve) => server.getConnections((e, n) => resolve(n)));
  t.is(count, N, 'all connections open at once');
  let ok = 0;
  for (let i = 0; i < N; i++) if (echoed[i] === `conn ${i};`) ok++;
  t.is(ok, N);
  const closing = once(server, 'close');
  server.close();
  for (const c of clients) c.end();
  await within(30_000, 'all closed', Promise.all([closing, ...closes]));
  t.true(clients.every((c) => c.destroyed));
  t.log(`${N} connections in ${Date.now() - started} ms`);
});

test.serial('an unchanged http app under -r ringsock/register serves over ringsock sockets', async (t) => {
  const { spawn } = require('node:child_process');
  const http = require('node:http');
  const app = spawn(process.execPath, ['-r', path.join(__dirname, '..', 'dist', 'register.js'),
    path.join(__dirname, 'fixtures', 'http-app.js'), LO4, '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [line] = await within(15_000, 'app start', Promise.race([
      once(app.stdout.setEncoding('utf8'), 'data'),
      once(app, 'exit').then(([code]) => { throw new Error(`the app exited with ${code} before listening`); }),
    ]));
    const { port } = JSON.parse(line);
    const get = (p, body) => new Promise((resolve, reject) => {
      const req = http.request({ host: LO4, port, path: p, method: body ? 'POST' : 'GET', agent: false }, (res) => {
        const parts = [];
        res.on('data', (d) => parts.push(d));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString() }));
      });
      req.on('error', reject);
      req.end(body);
    });
    const info = JSON.parse((await get('/socket')).body);
    t.is(info.socket, own ? 'RingsockSocket' : 'Socket');
    t.is(info.remote, LO4);
    t.deepEqual(await get('/hello'), { status: 200, body: 'hello world\n' });
    const big = 'x'.repeat(1024 * 1024);
    t.deepEqual(await get('/echo', big), { status: 200, body: big });
    t.is((await get('/nope')).status, 404);
  } finally {
    if (app.exitCode === null && app.signalCode === null) {
      const exited = once(app, 'exit');
      app.kill('SIGTERM');
      await within(10_000, 'app exit', exited);
    }
  }
});

test.serial('unchanged http clients (keep-alive Agent, global agent) under -r ringsock/register', (t) => {
  const { execFileSync } = require('node:child_process');
  const out = execFileSync(process.execPath, ['-r', path.join(__dirname, '..', 'dist', 'register.js'),
    path.join(__dirname, 'fixtures', 'http-client.js')], { encoding: 'utf8', timeout: 30_000 });
  const r = JSON.parse(out.trim().split('\n').pop());
  t.is(r.ok, r.of);
  t.is(r.of, 500);
  t.is(r.global, '/g 0');
  t.is(r.client, own ? 'RingsockSocket' : 'Socket');
  t.is(r.server, own ? 'RingsockSocket' : 'Socket');
});

// Node >= 22.13: net.connect({ blockList }) and net.createServer({ blockList }). Earlier Nodes
// ignore both, and so does ringsock there (the node backend checks this test on each version).
test('blockList: a blocked peer is closed before connection, a blocked destination fails with ERR_IP_BLOCKED', async (t) => {
  const nodeNet = require('node:net');
  const hasBlockList = typeof nodeNet.BlockList.isBlockList === 'function';
  const blocked = new nodeNet.BlockList();
  blocked.addAddress(LO4);
  let accepted = 0;
  const server = net.createServer({ blockList: blocked }, (c) => { accepted++; c.on('error', () => {}); c.end('hi'); });
  server.listen(0, LO4);
  await once(server, 'listening');
  const { port } = server.address();
  const first = net.connect({ port, host: LO4 });
  first.on('error', () => {});
  first.resume();
  await once(first, 'close');
  const second = net.connect({ port, host: LO4, blockList: blocked });
  const [outcome] = await Promise.race([once(second, 'error'), once(second, 'connect').then(() => ['connected'])]);
  second.destroy();
  if (hasBlockList) {
    t.is(accepted, 0, 'the blocked peer never reached connection');
    t.is(outcome.code, 'ERR_IP_BLOCKED');
    t.is(outcome.message, `IP(${LO4}) is blocked by net.BlockList`);
    t.throws(() => new net.Socket({ blockList: {} }), {
      code: 'ERR_INVALID_ARG_TYPE',
      message: 'The "options.blockList" property must be an net.BlockList. Received an instance of Object',
    });
  } else {
    t.true(accepted >= 1, 'this Node has no blockList: the peer is served');
    t.is(outcome, 'connected');
  }
  server.close();
});

// --- Node 22/24 semantics, each checked against the running Node's own net (issue 16) ---------
const nodeNet = require('node:net');

/** Listens a second server on the first one's port, both with reusePort: 'shared' or the error code. */
async function twoReusePortServers(mod) {
  const a = mod.createServer();
  const port = await listen(a, { port: 0, host: LO4, reusePort: true });
  const b = mod.createServer();
  const outcome = await listen(b, { port, host: LO4, reusePort: true }).then(() => 'shared', (e) => e.code);
  a.close();
  b.close();
  return outcome;
}

test.serial('listen({ reusePort }): a second server shares the port where the running Node has the option', async (t) => {
  const expected = await twoReusePortServers(nodeNet);
  t.is(await twoReusePortServers(net), expected);
  // Node >= 22.12 (its TCP handle has the flag) shares; Node 20 has no such option.
  t.is(expected, 'UV_TCP_REUSEPORT' in process.binding('tcp_wrap').constants ? 'shared' : 'EADDRINUSE');
});

async function connectedPair(host, opts = {}) {
  const server = net.createServer((c) => c.on('error', () => {}));
  const port = await listen(server, 0, host);
  const c = net.connect({ port, host, ...opts });
  await once(c, 'connect');
  return { server, c };
}

test.serial('setTypeOfService/getTypeOfService (Node 24): IP_TOS / IPV6_TCLASS, Node\'s validation, kept before connect', async (t) => {
  const hasTos = typeof nodeNet.Socket.prototype.setTypeOfService === 'function';
  t.is(typeof new net.Socket().setTypeOfService, hasTos ? 'function' : 'undefined');
  if (!hasTos) return;
  for (const host of [LO4, LO6]) {
    const { server, c } = await connectedPair(host);
    t.is(c.getTypeOfService(), 0);
    t.is(c.setTypeOfService(0x28), c);
    t.is(c.getTypeOfService(), 0x28, host);
    c.destroy();
    server.close();
  }
  for (const bad of [256, -1, 1.5, NaN, '1', null]) {
    const mine = t.throws(() => new net.Socket().setTypeOfService(bad));
    const theirs = t.throws(() => new nodeNet.Socket().setTypeOfService(bad));
    t.deepEqual([mine.code, mine.message, mine.name], [theirs.code, theirs.message, theirs.name], String(bad));
  }
  const pending = new net.Socket();
  t.is(pending.getTypeOfService(), 0);
  t.is(pending.setTypeOfService(0x10), pending);
  t.is(pending.getTypeOfService(), 0x10);
  // Asked for before the connection (option or call): applied to the kernel socket at connect.
  const { server, c } = await connectedPair(LO4, { typeOfService: 0x48 });
  t.is(c.getTypeOfService(), 0x48);
  c.destroy();
  server.close();
  t.like(t.throws(() => new net.Socket({ typeOfService: 300 })), { code: 'ERR_OUT_OF_RANGE' });
});

/** Connects once to a server with maxConnections = 0: [connections, drops, drop data keys]. */
async function maxZero(mod) {
  let connections = 0;
  const drops = [];
  const server = mod.createServer((c) => { connections++; c.destroy(); });
  server.maxConnections = 0;
  server.on('drop', (d) => drops.push(d));
  const port = await listen(server, 0, LO4);
  const c = mod.connect(port, LO4);
  c.on('error', () => {});
  c.resume();
  await within(5000, 'the client closes', once(c, 'close'));
  for (let i = 0; i < 50 && connections + drops.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  server.close();
  const d = drops[0];
  return [connections, drops.length, d ? Object.keys(d).sort() : null, d ? Object.getPrototypeOf(d) : undefined];
}

test.serial('server.maxConnections = 0 drops every connection with \'drop\' where the running Node does', async (t) => {
  const expected = await maxZero(nodeNet);
  t.deepEqual(await maxZero(net), expected);
});

test('new net.Socket().end(cb) calls cb where the running Node does (Node >= 22), never hangs', async (t) => {
  const called = (mod) => new Promise((resolve) => {
    const s = new mod.Socket();
    s.end(() => resolve(true));
    setTimeout(() => resolve(false), 200);
  });
  t.is(await called(net), await called(nodeNet));
});

test('host that is not a string, and a lookup answering a non-string: Node\'s errors, never an uncaught TypeError', async (t) => {
  const sync = (mod, host) => {
    try {
      const s = mod.connect({ host, port: 1 });
      s.on('error', () => {});
      s.destroy();
      return 'no throw';
    } catch (e) {
      return [e.code, e.message];
    }
  };
  for (const host of [['localhost'], 1, {}]) t.deepEqual(sync(net, host), sync(nodeNet, host), String(host));
  // An array that reads as an IP: Node >= 22 rejects it, Node 20's libuv connect aborts the
  // process, so only ringsock's own classes are asked there (they reject it through dns.lookup).
  const validates = typeof sync(nodeNet, 1)[1] === 'string' && sync(nodeNet, 1)[1].includes('"options.host"');
  if (validates) t.deepEqual(sync(net, [LO4]), sync(nodeNet, [LO4]));
  else if (own) t.is(sync(net, [LO4])[0], 'ERR_INVALID_ARG_TYPE');
  const lookupError = (mod, answer, all) => new Promise((resolve) => {
    const s = mod.connect({ host: 'example.invalid', port: 1, autoSelectFamily: all,
      lookup: (h, o, cb) => (o.all ? cb(null, [{ address: answer, family: 4 }]) : cb(null, answer, 4)) });
    s.on('error', (e) => resolve([e.code, e.message]));
    s.on('connect', () => { s.destroy(); resolve('connected'); });
  });
  for (const all of [false, true]) {
    t.deepEqual(await lookupError(net, 12, all), await lookupError(nodeNet, 12, all));
    // An array answer that reads as an IP: Node >= 22 rejects it from lookup(); Node's
    // autoSelectFamily path (all versions) and Node 20 hand it to libuv, which aborts.
    if (validates && !all) t.deepEqual(await lookupError(net, [LO4], all), await lookupError(nodeNet, [LO4], all));
    else if (own) t.deepEqual(await lookupError(net, [LO4], all), ['ERR_INVALID_IP_ADDRESS', `Invalid IP address: [ '${LO4}' ]`]);
  }
});

test.serial('autoSelectFamily: every address refused gives Node\'s AggregateError with .errors, events per attempt', async (t) => {
  // A port nothing listens on, on both loopbacks.
  const probe = nodeNet.createServer();
  const port = await listen(probe, 0, LO4);
  await new Promise((r) => probe.close(r));
  const attempt = (mod) => new Promise((resolve) => {
    const events = [];
    const s = mod.connect({ host: 'both.invalid', port, autoSelectFamily: true, autoSelectFamilyAttemptTimeout: 1000,
      lookup: (h, o, cb) => cb(null, [{ address: LO6, family: 6 }, { address: LO4, family: 4 }]) });
    for (const ev of ['connectionAttempt', 'connectionAttemptFailed']) s.on(ev, (a) => events.push(`${ev} ${a}`));
    s.on('error', (e) => resolve({
      events, name: e.name, isAggregate: e instanceof AggregateError, code: e.code, message: e.message,
      errors: e.errors && e.errors.map((x) => [x.code, x.address, x.port]),
      attempted: s.autoSelectFamilyAttemptedAddresses,
    }));
  });
  const mine = await within(10_000, 'the connect fails', attempt(net));
  t.deepEqual(mine, await attempt(nodeNet));
  t.true(mine.isAggregate);
  t.is(mine.errors.length, 2);
});

test.serial('diagnostics channels: net.client.socket, net.server.socket and tracing:net.server.listen as the running Node publishes them', async (t) => {
  const dc = require('node:diagnostics_channel');
  const names = ['net.client.socket', 'net.server.socket', 'tracing:net.server.listen:asyncStart',
    'tracing:net.server.listen:asyncEnd', 'tracing:net.server.listen:error'];
  const scenario = async (mod) => {
    const seen = [];
    const objects = {};
    const subs = names.map((name) => [name, (msg) => {
      const [obj] = Object.values(msg);
      const who = Object.keys(objects).find((k) => objects[k] === obj) ?? (obj instanceof mod.Socket ? 'a socket' : '?');
      seen.push(`${name} ${Object.keys(msg).join(',')} ${who}${msg.error ? ` ${msg.error.code}` : ''}`);
    }]);
    for (const [name, fn] of subs) dc.subscribe(name, fn);
    try {
      const server = objects.server = mod.createServer((c) => { seen.push('connection'); c.destroy(); });
      const port = await listen(server, 0, LO4);
      const busy = objects.busy = mod.createServer();
      busy.listen(port, LO4);
      await once(busy, 'error');
      const a = objects.viaConnect = mod.connect(port, LO4);
      a.on('error', () => {});
      await once(a, 'connect');
      a.destroy();
      const b = objects.viaSocket = new mod.Socket();
      b.on('error', () => {});
      b.connect(port, LO4);
      await once(b, 'connect');
      b.destroy();
      await new Promise((r) => setTimeout(r, 50));
      server.close();
    } finally {
      for (const [name, fn] of subs) dc.unsubscribe(name, fn);
    }
    return seen;
  };
  const theirs = await scenario(nodeNet);
  t.deepEqual(await scenario(net), theirs);
  t.true(theirs.some((s) => s.startsWith('net.server.socket socket a socket')));
});

test('a socket in a postMessage transfer list: what the running Node does with its own, else Node\'s error for an untransferable object', async (t) => {
  const { MessageChannel } = require('node:worker_threads');
  const outcome = (value) => {
    const { port1, port2 } = new MessageChannel();
    try {
      port1.postMessage(value, [value]);
      return 'transferred';
    } catch (e) {
      return [e.name, e.code, e.message];
    } finally {
      port1.close();
      port2.close();
    }
  };
  const untransferable = outcome({});
  const server = net.createServer((c) => c.on('error', () => {}));
  const port = await listen(server, 0, LO4);
  const c = net.connect(port, LO4);
  await once(c, 'connect');
  const got = outcome(c);
  if (own) {
    // ringsock's sockets live on this thread's ring: not transferable (docs/DESIGN.md).
    t.deepEqual(got, untransferable);
  } else {
    // Node's own socket: Node 24 transfers a fresh connected one, Node 20/22 refuse it as any object.
    t.true(got === 'transferred' || JSON.stringify(got) === JSON.stringify(untransferable));
  }
  c.destroy();
  server.close();
});
