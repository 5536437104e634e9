'use strict';
// A cluster of one of the plain servers: the primary forks --workers N workers that each run
// --app (tcp_echo.js, http_hello.js, udp_echo.js) with the remaining arguments, through Node's
// cluster (round robin for TCP; UDP bound without `exclusive` is the primary's shared socket,
// as Node does). The workers inherit the primary's execArgv (the register hook and announce.js
// for the ringsock rows). READY once every worker printed its own READY line.
// usage: node cluster.js --workers 2 --app tcp_echo.js --port 9001
const cluster = require('cluster');
const path = require('path');
const { arg, ready } = require('./common');

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
// The primary ends after its workers (SIGTERM, then SIGKILL after 3 s), so whatever a worker
// holds (ports, an XDP program's link) is gone when the harness sees the server end.
let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  const left = workers.filter((w) => w.process.exitCode === null && w.process.signalCode === null);
  if (!left.length) process.exit(0);
  for (const w of left) w.process.kill('SIGTERM');
  setTimeout(() => { for (const w of left) w.process.kill('SIGKILL'); }, 3000).unref();
}
cluster.on('exit', (w, code, signal) => {
  if (!stopping) {
    console.error(`cluster: worker ${w.process.pid} ended (${code ?? signal})`);
    process.exitCode = 1;
    stop();
  }
  if (workers.every((x) => x.process.exitCode !== null || x.process.signalCode !== null)) process.exit(process.exitCode ?? 0);
});
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, Number(arg('max-secs', '300')) * 1000).unref();
