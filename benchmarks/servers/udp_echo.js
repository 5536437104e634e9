'use strict';
// UDP echo over plain node:dgram. A datagram that looks like sockperf's (bytes 10..13 hold its
// own length, big-endian) gets bit 0 of the flags (byte 9) cleared, as sockperf's server does;
// anything else is echoed unchanged.
// usage: node udp_echo.js --port 9000 [--host 0.0.0.0]
const dgram = require('dgram');
const { arg, ready, lifetime } = require('./common');

const port = Number(arg('port', '9000'));
const sock = dgram.createSocket('udp4');
sock.on('message', (msg, rinfo) => {
  if (msg.length >= 16 && msg.readUInt32BE(10) === msg.length) msg[9] &= 0xfe;
  sock.send(msg, rinfo.port, rinfo.address);
});
sock.on('error', (err) => { console.error(`udp_echo: ${err.stack || err}`); process.exit(1); });
sock.bind(port, arg('host', '0.0.0.0'), () => ready(`udp_echo port=${sock.address().port}`));
lifetime();
