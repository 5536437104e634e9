'use strict';
// TCP sink over plain node:net: reads everything a connection sends, and when the peer
// half-closes answers "RECEIVED <bytes>\n" and closes (the bulk sender's proof of delivery).
// usage: node tcp_sink.js --port 9002
const net = require('net');
const { arg, ready, lifetime } = require('./common');

const port = Number(arg('port', '9002'));
const server = net.createServer({ allowHalfOpen: true }, (s) => {
  let n = 0;
  s.on('data', (d) => { n += d.length; });
  s.on('end', () => s.end(`RECEIVED ${n}\n`));
  s.on('error', () => s.destroy());
});
server.on('error', (err) => { console.error(`tcp_sink: ${err.stack || err}`); process.exit(1); });
server.listen({ port, host: arg('host', '0.0.0.0') }, () => ready(`tcp_sink port=${server.address().port}`));
lifetime();
