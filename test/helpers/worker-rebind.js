'use strict';
// A worker thread binds a UDP socket and / or listens on TCP (port 0), posts the ports and
// ends with its sockets still open (process.exit); the moment its 'exit' is heard, this thread
// binds the same ports, closes them, and starts the next worker. A port the ended worker still
// holds is EADDRINUSE here: the io_uring engine's teardown used to leave the cancellation of its
// requests in flight, each holding its socket's file, to a kernel workqueue that runs late under
// load (1 cycle in 10-30 failed on this machine without load).
//   rebind({ kinds: ['udp', 'tcp'], cycles, address }) -> { cycles, errors, interfaces, backend }
//   node worker-rebind.js udp,tcp CYCLES ADDRESS   prints that as one JSON line
// interfaces: the interfaces each worker's UDP socket bypassed (xdp backend), one entry per cycle.
const { Worker, isMainThread, workerData, parentPort } = require('node:worker_threads');
const path = require('node:path');

const dist = path.join(__dirname, '..', '..', 'dist');
const dgram = require(path.join(dist, 'dgram.js'));
const net = require(path.join(dist, 'net.js'));
const ringsock = require(path.join(dist, 'index.js'));

// The interfaces bypass sockets hold (xdp); sockets of the other backends have none.
function bypassed() {
  const st = ringsock.stats();
  return (st.sockets || []).filter((s) => s.interfaces).map((s) => s.interfaces.join(',')).join(';');
}

function inWorker({ kinds, address, count }) {
  const ports = { udp: [], tcp: [] };
  let left = kinds.length * count;
  const done = () => {
    if (--left > 0) return;
    parentPort.postMessage({ ports, interfaces: bypassed() });
    process.exit(0);   // sockets open: they end with the worker's environment
  };
  for (let i = 0; i < count; i++) {
    if (kinds.includes('udp')) {
      const s = dgram.createSocket('udp4');
      s.bind(0, address, () => { ports.udp.push(s.address().port); done(); });
    }
    if (kinds.includes('tcp')) {
      const srv = net.createServer();
      srv.listen(0, address, () => { ports.tcp.push(srv.address().port); done(); });
    }
  }
}

/** Binds every port again; resolves with the errors met ([] when all bound). */
function bindAgain(ports, address) {
  const udp = ports.udp.map((port) => new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', (e) => { s.close(); resolve(`udp ${port}: ${e.code}`); });
    s.bind(port, address, () => s.close(() => resolve(null)));
  }));
  const tcp = ports.tcp.map((port) => new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', (e) => resolve(`tcp ${port}: ${e.code}`));
    srv.listen(port, address, () => srv.close(() => resolve(null)));
  }));
  return Promise.all([...udp, ...tcp]).then((r) => r.filter(Boolean));
}

async function rebind({ kinds = ['udp', 'tcp'], cycles = 40, count = 1, address = '127.0.0.1' } = {}) {
  const errors = [];
  const interfaces = [];
  for (let i = 0; i < cycles; i++) {
    // stderr: the xdp backend's note outside a network namespace ("no interface bypassed"),
    // once per worker, is left out; anything else goes through.
    const w = new Worker(__filename, { workerData: { kinds, address, count }, stderr: true });
    let msg = null;
    w.on('message', (m) => { msg = m; });
    let err = '';
    w.stderr.setEncoding('utf8');
    w.stderr.on('data', (d) => { err += d; });
    w.stderr.on('end', () => {
      const rest = err.split('\n').filter((l) => l && !/RINGSOCK_XDP_NO_INTERFACE|--trace-warnings/.test(l));
      if (rest.length) process.stderr.write(rest.join('\n') + '\n');
    });
    const code = await new Promise((resolve) => w.once('exit', resolve));
    if (code !== 0 || !msg) {
      errors.push(`cycle ${i}: worker exit ${code}, ports ${JSON.stringify(msg)}`);
      continue;
    }
    interfaces.push(msg.interfaces);
    for (const e of await bindAgain(msg.ports, address)) errors.push(`cycle ${i}: ${e}`);
  }
  return { cycles, errors, interfaces, backend: ringsock.backend().name };
}

if (!isMainThread && workerData && workerData.kinds) {
  inWorker(workerData);
} else if (isMainThread && require.main === module) {
  const [kinds = 'udp,tcp', cycles = '40', count = '1', address = '127.0.0.1'] = process.argv.slice(2);
  rebind({ kinds: kinds.split(','), cycles: Number(cycles), count: Number(count), address }).then((r) => console.log(JSON.stringify(r)));
}

module.exports = { rebind };
