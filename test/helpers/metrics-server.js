'use strict';
// The server of test/metrics-xdp.test.js, run inside the server namespace on the xdp backend:
// a UDP and a TCP echo on ringsock's modules and ringsock/metrics on a prom-client registry.
//   node metrics-server.js ADDRESS UDP_PORT TCP_PORT
// stdout: {"ready":...} once both listen; on the stdin line "scrape", {"text", "stats"} from the
// same turn of the loop.
const path = require('node:path');
const prom = require('prom-client');
const dist = path.join(__dirname, '..', '..', 'dist');
const dgram = require(path.join(dist, 'dgram.js'));
const net = require(path.join(dist, 'net.js'));
const ringsock = require(path.join(dist, 'index.js'));
const metrics = require(path.join(dist, 'metrics.js'));

const [address, udpPort, tcpPort] = process.argv.slice(2);
const registry = new prom.Registry();
metrics.register(registry);
const udp = dgram.createSocket('udp4');
udp.on('message', (m, r) => udp.send(m, r.port, r.address));
const tcp = net.createServer((c) => c.pipe(c));
udp.bind(Number(udpPort), address, () => tcp.listen(Number(tcpPort), address, () => {
  console.log(JSON.stringify({ ready: true, backend: ringsock.backend() }));
}));
require('node:readline').createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line === 'scrape') {
    const text = await registry.metrics();
    console.log(JSON.stringify({ text, stats: ringsock.stats() }));
  }
  if (line === 'exit') process.exit(0);
});
setTimeout(() => process.exit(3), 60_000).unref();  // bounded, whatever happens to the test
