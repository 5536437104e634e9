'use strict';
// One side of the multicast test, run inside a namespace by test/dgram.test.js.
// argv[2] is JSON: {role: 'recv'|'send', family: 4|6, group, port, ...}; output is JSON lines.
const dgram = require('../../dist/dgram.js');
const backend = require('../../dist/index.js').backend().name;

const o = JSON.parse(process.argv[2]);
const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const sock = dgram.createSocket({ type: o.family === 4 ? 'udp4' : 'udp6', reuseAddr: true });
const guard = setTimeout(() => { out({ timeout: true }); process.exit(3); }, o.timeoutMs || 10000);
sock.on('error', (err) => { out({ error: err.code, message: err.message }); process.exit(2); });

if (o.role === 'recv') {
  sock.on('message', (msg, rinfo) => {
    out({ msg: msg.toString(), ...rinfo });
    // Unicast reply to the sender's address as rinfo gave it (scoped if link-local).
    if (msg.toString() === 'done') {
      sock.send('ack', rinfo.port, rinfo.address, (err) => {
        if (err) out({ error: err.code, message: err.message });
        clearTimeout(guard);
        sock.close();
      });
    }
  });
  sock.bind({ port: o.port }, () => {
    sock.addMembership(o.group, o.iface);
    out({ ready: true, backend });
  });
} else {
  let own = 0;
  let acks = 0;
  sock.on('message', (msg) => { if (msg.toString() === 'ack') acks++; else own++; });
  sock.bind({ port: o.port }, () => {
    sock.addMembership(o.group, o.joinIface);
    sock.setMulticastInterface(o.ifaceOut);
    sock.setMulticastLoopback(o.loopback);
    out({ ttl: sock.setMulticastTTL(2), backend });
    let i = 0;
    const next = (err) => {
      if (err) { out({ error: err.code, message: err.message }); process.exit(2); }
      if (i < o.count) sock.send(`m${i++}`, o.port, o.group, next);
      else if (i++ === o.count) sock.send('done', o.port, o.group, next);
      else setTimeout(() => { out({ own, acks }); clearTimeout(guard); sock.close(); }, 300);
    };
    next(null);
  });
}
