'use strict';
// dgram under cluster (Node's test-dgram-exclusive-implicit-bind, with ringsock/dgram): two
// workers bind port 0 without `exclusive` and so share one socket, the primary's; two others
// only send, which binds each its own port. The primary counts the distinct source ports of
// the four workers and prints them with its backend; cluster.disconnect() must then end all.
const cluster = require('node:cluster');
const dgram = require('../../dist/dgram.js');

if (cluster.isPrimary) {
  const target = dgram.createSocket('udp4');
  const portOf = new Map();  // worker pid -> source port
  target.on('message', (buf, rinfo) => {
    portOf.set(buf.toString(), rinfo.port);
    if (portOf.size < 4) return;
    target.removeAllListeners('message');
    const backend = require('../../dist/index.js').backend().name;
    console.log(JSON.stringify({ workers: portOf.size, ports: new Set(portOf.values()).size, backend }));
    cluster.disconnect();
    target.close();
  });
  target.bind({ port: 0, address: '127.0.0.1', exclusive: true }, () => {
    const PORT = target.address().port;
    for (const BOUND of ['', '', 'y', 'y']) cluster.fork({ PORT, BOUND });
  });
} else {
  const source = dgram.createSocket('udp4');
  if (process.env.BOUND === 'y') source.bind(0, '127.0.0.1');
  else source.unref();  // cluster does not close an exclusive socket: it must not hold the worker
  const msg = Buffer.from(String(process.pid));
  const timer = setInterval(() => source.send(msg, Number(process.env.PORT), '127.0.0.1'), 5).unref();
  source.on('close', () => clearInterval(timer));
}
