'use strict';
// Multicast receiver over plain node:dgram: joins GROUP on the interface with address IFACE,
// counts datagrams and checks each payload (mcast_send's "RSB3" + pattern). On SIGTERM it prints
// RESULT received=<n> mismatches=<n> span_s=<first..last arrival>.
// usage: node mcast_recv.js --group 239.7.7.7 --port 9003 --iface 10.99.7.1
const dgram = require('dgram');
const { arg, ready, lifetime } = require('./common');

const group = arg('group', '239.7.7.7');
const port = Number(arg('port', '9003'));
const iface = arg('iface', undefined);
const HDR = 24;
let received = 0, mismatches = 0, first = 0n, last = 0n;

function valid(m) {
  if (m.length < HDR || m[0] !== 0x52 || m[1] !== 0x53 || m[2] !== 0x42 || m[3] !== 0x33) return false;
  const seq = m.readUInt32LE(8);
  for (let i = HDR; i < m.length; i++) {
    if (m[i] !== ((seq * 131 + i * 7 + Math.floor(seq / 256)) & 0xff)) return false;
  }
  return true;
}
const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
sock.on('message', (m) => {
  const t = process.hrtime.bigint();
  if (!valid(m)) { mismatches++; return; }
  if (received++ === 0) first = t;
  last = t;
});
sock.on('error', (err) => { console.error(`mcast_recv: ${err.stack || err}`); process.exit(1); });
sock.bind(port, () => {
  sock.addMembership(group, iface);
  ready(`mcast_recv group=${group} port=${port}`);
});
lifetime(() => {
  const span = Number(last - first) / 1e9;
  process.stdout.write(`RESULT tool=mcast_recv received=${received} mismatches=${mismatches} span_s=${span.toFixed(4)}\n`);
});
