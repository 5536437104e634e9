'use strict';
// A cluster of one of the plain servers: the primary forks --workers N workers that each run
// --app (tcp_echo.js, http_hello.js, udp_echo.js) with the remaining arguments, through Node's
// cluster (round robin for TCP; UDP bound without `exclusive` is the primary's shared socket,
// as Node does). The workers inherit the primary's execArgv (the register hook and announce.js
// for the ringsock rows). READY once every worker printed its own READY line.
// usage: node cluster.js --workers 2 --app tcp_echo.js --port 9001
const cluster = require('cluster');
const path = require('path');
const { arg, ready, lifetime } = require('./common');

const count = Number(arg('workers', '2'));
const app = arg('app', 'tcp_echo.js');
const rest = [];
for (let i = 2; i < process.argv.length; i++) {
  if (process.argv[i] === '--workers' || process.argv[i] === '--app') i++;
  else rest.push(process.argv[i]);
}
cluster.setupPrimary({ exec: path.join(__dirname, app), args: rest, silent: true });
const readyPids = [];
const workers = [];
for (let i = 0; i < count; i++) {
  const w = cluster.fork();
  workers.push(w);
  let out = '';
  w.process.stdout.on('data', (d) => {
    out += d;
    if (!/^READY /m.test(out) || readyPids.includes(w.process.pid)) return;
    readyPids.push(w.process.pid);
    if (readyPids.length === count) ready(`cluster workers=${count} app=${app} worker_pids=${readyPids.join(',')}`);
  });
  w.process.stderr.on('data', (d) => process.stderr.write(d));
}
cluster.on('exit', (w, code, signal) => {
  if (stopping) return;
  console.error(`cluster: worker ${w.process.pid} ended (${code ?? signal})`);
  process.exit(1);
});
let stopping = false;
lifetime(() => {
  stopping = true;
  for (const w of workers) w.process.kill('SIGTERM');
});
