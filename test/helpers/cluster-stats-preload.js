// Preloaded next to the register hook in cluster workers (builtin cluster and PM2): answers a
// request for ringsock.stats() over the worker's IPC channel, so the app itself stays unchanged.
// Builtin cluster: {ringsockStats: id} -> {ringsockStats: id, stats}. PM2 (pm2.sendDataToProcessId
// packets, replies to PM2's bus): {topic: 'ringsock:stats'} -> {type: 'process:msg', data: {stats}}.
'use strict';
const ringsock = require('../../dist/index.js');

if (typeof process.send === 'function') {
  process.on('message', (msg) => {
    if (msg && msg.ringsockStats !== undefined) {
      process.send({ ringsockStats: msg.ringsockStats, stats: ringsock.stats() });
    } else if (msg && msg.topic === 'ringsock:stats') {
      process.send({ type: 'process:msg', data: { pid: process.pid, stats: ringsock.stats() } });
    }
  });
}
