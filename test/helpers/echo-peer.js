'use strict';
// Echo across the veth pair, run inside a namespace by test/dgram.test.js.
// argv[2] JSON: {role: 'server', family, address} prints {port} and echoes until 'bye';
//               {role: 'client', family, address, port, total, window} prints the result.
// Payload i: 4-byte sequence number, 4-byte length, then bytes derived from i (checked).
const dgram = require('../../dist/dgram.js');

const o = JSON.parse(process.argv[2]);
const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const backend = require('../../dist/index.js').backend().name;
const sock = dgram.createSocket(o.family === 4 ? 'udp4' : 'udp6');
sock.on('error', (err) => { out({ error: err.code, message: err.message }); process.exit(2); });
const guard = setTimeout(() => { out({ timeout: true }); process.exit(3); }, o.timeoutMs || 60000);

if (o.role === 'server') {
  sock.on('message', (msg, rinfo) => {
    if (msg.length === 3 && msg.toString() === 'bye') {
      out({ stats: require('../../dist/index.js').stats() });
      clearTimeout(guard);
      sock.close();
      return;
    }
    sock.send(msg, rinfo.port, rinfo.address);
  });
  sock.bind(0, o.address, () => out({ port: sock.address().port, backend }));
} else {
  const payload = (i) => {
    const len = 8 + (i % 300);
    const b = Buffer.allocUnsafe(len);
    b.writeUInt32BE(i, 0);
    b.writeUInt32BE(len, 4);
    for (let k = 8; k < len; k++) b[k] = (i * 7 + k) & 0xff;
    return b;
  };
  const { total, window } = o;
  const received = new Uint8Array(total);
  const sentAt = new Float64Array(total);
  let next = 0;
  let done = 0;
  let bad = 0;
  let resent = 0;
  const started = Date.now();
  const send = (i) => { sentAt[i] = Date.now(); sock.send(payload(i), o.port, o.address); };
  const finish = () => {
    clearInterval(timer);
    clearTimeout(guard);
    const secs = (Date.now() - started) / 1000;
    out({ done, bad, resent, rate: Math.round(done / secs), backend });
    sock.send('bye', o.port, o.address, () => sock.close());
  };
  sock.on('message', (msg) => {
    const i = msg.length >= 8 ? msg.readUInt32BE(0) : total;
    if (i >= total || !msg.equals(payload(i))) { bad++; return; }
    if (received[i]) return;
    received[i] = 1;
    if (++done === total) { finish(); return; }
    if (next < total) send(next++);
  });
  const timer = setInterval(() => {
    const now = Date.now();
    for (let i = Math.max(0, next - window * 4); i < next; i++) {
      if (!received[i] && now - sentAt[i] > 200) { resent++; send(i); }
    }
  }, 100);
  sock.bind(0, o.localAddress, () => { while (next < window && next < total) send(next++); });
}
