// A cluster primary for test/cluster.test.js: forks WORKERS (default 2) workers running APP
// (the unchanged app, through cluster.setupPrimary({ exec })); the workers inherit this
// process's execArgv (-r ringsock/register, -r cluster-stats-preload.js). Prints JSON lines:
// {"forked": [pids], "policy": "rr"|"none"}, {"listening": pid, "port"} for each listen the
// primary serves, {"exit": pid, "code", "signal"} for each worker that ends. Commands on stdin, one a line: "stats" -> {"stats":
// [{pid, stats}, ...]} (each live worker's ringsock.stats() over its IPC channel); "kill <pid>"
// -> SIGKILL to that worker; "send <json>" -> the message to every worker (what they send back
// is printed as {"from": pid, "msg"}); "disconnect" -> cluster.disconnect() (the process then ends);
// "terminate" -> SIGTERM to every worker.
'use strict';
const cluster = require('node:cluster');
const readline = require('node:readline');

const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const count = Number(process.env.WORKERS || 2);
cluster.setupPrimary({ exec: process.env.APP });
const workers = [];
for (let i = 0; i < count; i++) workers.push(cluster.fork());
out({ forked: workers.map((w) => w.process.pid), policy: cluster.schedulingPolicy === cluster.SCHED_NONE ? 'none' : 'rr' });
// Only listens that go through the primary are told to it (an exclusive or reusePort one is not).
cluster.on('listening', (worker, address) => out({ listening: worker.process.pid, port: address.port }));
cluster.on('exit', (worker, code, signal) => out({ exit: worker.process.pid, code, signal }));
cluster.on('message', (worker, msg) => {
  if (msg && msg.ringsockStats === undefined) out({ from: worker.process.pid, msg });
});

let nextId = 1;
function statsOf(worker) {
  return new Promise((resolve) => {
    const id = nextId++;
    const onMessage = (msg) => {
      if (!msg || msg.ringsockStats !== id) return;
      worker.off('message', onMessage);
      resolve({ pid: worker.process.pid, stats: msg.stats });
    };
    worker.on('message', onMessage);
    worker.send({ ringsockStats: id });
  });
}

readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const [cmd, arg] = line.trim().split(/\s+/);
  if (cmd === 'stats') {
    out({ stats: await Promise.all(Object.values(cluster.workers).filter((w) => w.isConnected()).map(statsOf)) });
  } else if (cmd === 'send') {  // "send <json>": to every worker; their messages come back as {"from": pid, "msg"}
    for (const w of Object.values(cluster.workers)) w.send(JSON.parse(line.trim().slice(5)));
  } else if (cmd === 'kill') {
    const worker = Object.values(cluster.workers).find((w) => w.process.pid === Number(arg));
    if (worker) worker.process.kill('SIGKILL');
  } else if (cmd === 'terminate') {  // SIGTERM to every worker (disconnect leaves exclusive servers open, as Node)
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
    process.stdin.destroy();
  } else if (cmd === 'disconnect') {
    cluster.disconnect(() => out({ disconnected: true }));
    process.stdin.destroy();
  }
});
