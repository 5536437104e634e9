'use strict';
// TCP echo over plain node:net: every byte read is written back on the same connection.
// usage: node tcp_echo.js --port 9001
const net = require('net');
const { arg, ready, lifetime } = require('./common');

const port = Number(arg('port', '9001'));
const server = net.createServer((s) => {
  s.setNoDelay(true);
  s.on('data', (d) => s.write(d));
  s.on('end', () => s.end());
  s.on('error', () => s.destroy());
});
server.on('error', (err) => { console.error(`tcp_echo: ${err.stack || err}`); process.exit(1); });
server.listen({ port, host: arg('host', '0.0.0.0'), backlog: 4096 }, () => ready(`tcp_echo port=${server.address().port}`));
lifetime();
