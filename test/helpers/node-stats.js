// Child of test/stats.test.js and test/metrics.test.js: a UDP echo, a TCP echo and an HTTP
// request on the node backend (RINGSOCK_BACKEND=node, or a forced fallback), printing
// ringsock.stats() snapshots (and, with argv "metrics", a ringsock/metrics scrape) as one JSON line.
const { once } = require('node:events');
const http = require('node:http');
const dgram = require('../../dist/dgram.js');
const net = require('../../dist/net.js');
const ringsock = require('../../dist/index.js');
const { tcpEchoRound } = require('./tcp-echo');

const SIZES = [1, 100, 1000, 1472, 0];

async function udpEcho(out) {
  const server = dgram.createSocket('udp4');
  server.on('message', (msg, rinfo) => server.send(msg, rinfo.port, rinfo.address));
  await new Promise((r) => server.bind(0, '127.0.0.1', r));
  const client = dgram.createSocket('udp4');
  out.unbound = ringsock.stats().sockets.filter((s) => s.type === 'udp4' && s.port === 0).length;
  await new Promise((r) => client.bind(0, '127.0.0.1', r));
  let got = 0;
  const echoed = new Promise((r) => client.on('message', () => { if (++got === SIZES.length) r(); }));
  // Every form of send(): with and without a callback, a list, offset/length.
  const port = server.address().port;
  client.send(Buffer.alloc(SIZES[0], 7), port, '127.0.0.1');
  await new Promise((r) => client.send(Buffer.alloc(SIZES[1], 7), port, '127.0.0.1', r));
  client.send([Buffer.alloc(600, 7), Buffer.alloc(400, 7)], port, '127.0.0.1');
  client.send(Buffer.alloc(2000, 7), 10, SIZES[3], port, '127.0.0.1');
  client.send('', port, '127.0.0.1');
  await echoed;
  out.udp = { serverPort: port, clientPort: client.address().port, stats: ringsock.stats() };
  out.udpKeys = Object.keys(client);
  out.udpListeners = { message: client.listenerCount('message'), close: client.listenerCount('close') };
  server.close();
  client.close();
  out.udpAfterClose = ringsock.stats();
}

// Refused sends (EMSGSIZE, with and without a callback) and a receive error (ECONNREFUSED on a
// connected socket whose peer port is closed) are the socket's errors; none is a datagram sent.
async function udpErrors(out) {
  const closed = dgram.createSocket('udp4');
  await new Promise((r) => closed.bind(0, '127.0.0.1', r));
  const deadPort = closed.address().port;
  closed.close();
  const big = dgram.createSocket('udp4');
  await new Promise((r) => big.bind(0, '127.0.0.1', r));
  const code = await new Promise((r) => big.send(Buffer.alloc(70000), deadPort, '127.0.0.1', (err) => r(err?.code)));
  big.send(Buffer.alloc(70000), deadPort, '127.0.0.1');
  const conn = dgram.createSocket('udp4');
  await new Promise((r) => conn.connect(deadPort, '127.0.0.1', r));
  const refused = once(conn, 'error');
  conn.send('x');
  const timer = setInterval(() => conn.send('x'), 50);  // the ICMP answer of an earlier send
  const [err] = await refused;
  clearInterval(timer);
  out.udpErrors = { bigPort: big.address().port, connPort: conn.address().port, code, refused: `${err.code} ${err.syscall}`, stats: ringsock.stats() };
  big.close();
  conn.close();
}

async function tcpEcho(out) {
  const { server, client, port } = await tcpEchoRound(net);
  out.tcp = { port, clientPort: client.localPort, stats: ringsock.stats() };
  out.tcpListeners = { close: client.listenerCount('close'), end: client.listenerCount('end') };
  client.destroy();
  await once(client, 'close');
  server.close();
  await once(server, 'close');
  out.tcpAfterClose = ringsock.stats();
}

async function httpRequest(out) {
  const server = http.createServer((req, res) => res.end('hello'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = server.address().port;
  const agent = new http.Agent({ keepAlive: true });  // both ends stay open for the snapshot
  const body = await new Promise((resolve, reject) => {
    http.get({ port, host: '127.0.0.1', agent }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
  out.http = { port, body, stats: ringsock.stats() };
  agent.destroy();
  server.close();
  server.closeAllConnections();
}

(async () => {
  const out = { backend: ringsock.backend() };
  await udpEcho(out);
  await udpErrors(out);
  await tcpEcho(out);
  await httpRequest(out);
  if (process.argv.includes('metrics')) {
    const prom = require('prom-client');
    const registry = new prom.Registry();
    require('../../dist/metrics.js').register(registry);
    const server = net.createServer((sock) => sock.write('bye'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = net.connect(server.address().port, '127.0.0.1');
    await once(client, 'data');
    out.metrics = { port: server.address().port, text: await registry.metrics(), stats: ringsock.stats() };
    client.destroy();
    server.close();
  }
  process.stdout.write(JSON.stringify(out) + '\n');
})().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
