'use strict';
// Plain Node (kernel sockets) client for test/metrics-xdp.test.js, run in the client namespace:
//   node echo-client.js HOST UDP_PORT TCP_PORT N
// sends N UDP datagrams one at a time (each waits for its echo) and one TCP write of N*100
// bytes read back; prints {"udp": echoed, "tcp": bytes back}. Bounded by a 10 s timer.
const dgram = require('node:dgram');
const net = require('node:net');

const [host, udpPort, tcpPort, n] = process.argv.slice(2).map((x, i) => (i ? Number(x) : x));
setTimeout(() => { console.log(JSON.stringify({ error: 'timed out' })); process.exit(2); }, 10_000).unref();

async function udpEcho() {
  const s = dgram.createSocket('udp4');
  let got = 0;
  for (let i = 0; i < n; i++) {
    const reply = new Promise((r) => s.once('message', r));
    s.send(Buffer.alloc(10 + i, i & 0xff), udpPort, host);
    await reply;
    got++;
  }
  s.close();
  return got;
}

function tcpEcho() {
  return new Promise((resolve, reject) => {
    const want = n * 100;
    let back = 0;
    const c = net.connect(tcpPort, host, () => c.write(Buffer.alloc(want, 7)));
    c.on('data', (d) => { back += d.length; if (back >= want) c.end(); });
    c.on('close', () => resolve(back));
    c.on('error', reject);
  });
}

(async () => {
  const udp = await udpEcho();
  const tcp = await tcpEcho();
  console.log(JSON.stringify({ udp, tcp }));
  process.exit(0);
})();
