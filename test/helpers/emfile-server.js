'use strict';
// An echo server run with a low descriptor limit (test/net.test.js starts it under `ulimit -n`).
// Prints "port <n>", serves until stdin closes, then prints one JSON line: the server 'error'
// events it saw and the backend's counters.
const net = require('../../dist/net.js');
const ringsock = require('../../dist/index.js');

let errors = 0;
const server = net.createServer((c) => {
  c.on('error', () => {});
  c.pipe(c);
});
server.on('error', () => { errors++; });
server.listen(0, '127.0.0.1', () => process.stdout.write(`port ${server.address().port}\n`));
process.stdin.resume();
process.stdin.on('end', () => {
  process.stdout.write(`${JSON.stringify({ errors, backend: ringsock.backend().name, stats: ringsock.stats() })}\n`);
  process.exit(0);
});
