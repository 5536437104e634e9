'use strict';
// The differential harness's receiver, run in rs12a by test/diff/run.js: plain node:dgram code,
// once on Node's own sockets (RINGSOCK_BACKEND=node: the kernel, the oracle) and once under
// `-r dist/register.js` with RINGSOCK_BACKEND=xdp (the bypass). It only records: it never
// sends, so a spoofed source in a crafted frame is never answered.
// stdout: one JSON line per event ({ ready }, { msg }, { stats }); stdin: 'stats' | 'exit'.
const dgram = require('dgram');
const path = require('path');
const T = require('./topology');

const ringsock = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');

function open(name, type, port, opts, join) {
  const s = dgram.createSocket({ type, ...opts });
  s.on('message', (m, r) => out({ msg: { sock: name, hex: m.toString('hex'), from: r.address, port: r.port, size: r.size } }));
  s.on('error', (e) => out({ error: `${name}: ${e.code || ''} ${e.message}` }));
  return new Promise((resolve) => s.bind(port, type === 'udp4' ? '0.0.0.0' : '::', () => {
    try {
      if (join) s.addMembership(...join);
    } catch (e) {
      out({ error: `${name}: addMembership ${e.code || ''} ${e.message}` });
    }
    resolve(s);
  }));
}

Promise.all([
  open('s4', 'udp4', T.PORT4, {}),
  open('s6', 'udp6', T.PORT6, { ipv6Only: true }),
  open('sg', 'udp4', T.PORTG, { reuseAddr: true }, [T.GROUP4, T.A4]),
  open('sg6', 'udp6', T.PORTG6, { ipv6Only: true, reuseAddr: true }, [T.GROUP6, `::%${T.DEV_A}`]),
]).then(() => out({ ready: true, backend: ringsock.backend().name }));

require('readline').createInterface({ input: process.stdin }).on('line', (l) => {
  if (l === 'stats') out({ stats: ringsock.stats() });
  if (l === 'exit') process.exit(0);
});
