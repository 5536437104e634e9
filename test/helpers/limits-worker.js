'use strict';
// A UDP round trip in the main thread and in one worker, each on the backend its own event loop
// chose: prints "main <backend> ping" and "worker <backend> ping" (test/limits.test.js).
const { Worker, isMainThread } = require('node:worker_threads');
const dgram = require('../../dist/dgram.js');

const name = require('../../dist/index.js').backend().name;
const s = dgram.createSocket('udp4');
s.on('message', (msg) => {
  process.stdout.write(`${isMainThread ? 'main' : 'worker'} ${name} ${msg}\n`);
  s.close();
});
s.bind(0, '127.0.0.1', () => s.send('ping', s.address().port, '127.0.0.1'));
if (isMainThread) new Worker(__filename);
