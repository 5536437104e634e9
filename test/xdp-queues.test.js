// The process-wide registry of interface queues (native/xdp/queue_registry.h): on a veth with
// two rx queues, the main thread and a worker each own one queue (RINGSOCK_XDP_QUEUES=1), a
// second worker finds none free and is served by io_uring with one warning, and every datagram
// to every one of their ports is answered, whichever queue it came in on (a frame for a port
// whose socket lives in another environment goes to the kernel, to that socket's kernel half).
// Topology TAG 16. Run as: RINGSOCK_BACKEND=xdp RINGSOCK_STRICT=1 npx ava test/xdp-queues.test.js (root).
const test = require('ava');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const netns = require('./helpers/netns');

const root = path.join(__dirname, '..');
const TAG = 16;
const A = `rs${TAG}a`, B = `rs${TAG}b`;
const isRoot = process.getuid && process.getuid() === 0;
const want = process.env.RINGSOCK_BACKEND === 'xdp' || process.env.KERNEL_BYPASS === '1';
const run = isRoot && want ? test.serial : test.serial.skip;
const PORTS = { main: 9610, worker: 9611, late: 9612 };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rs-queues-'));

// Echo servers: the main thread, then a worker, then a second worker once the first is bound.
const serverJs = `
const { Worker, isMainThread, workerData, parentPort } = require('worker_threads');
const dgram = require('dgram');
const ringsock = require(${JSON.stringify(path.join(root, 'dist', 'index.js'))});
function report() {
  const st = ringsock.stats();
  const dev = st.xdp.interfaces && st.xdp.interfaces['${A}0'];
  const s = st.sockets[0];
  return { queues: dev ? dev.queues.map((q) => q.queue) : [], interfaces: s.interfaces, xsk: s.xsk.rxMessages,
    kernel: s.kernel.rxMessages, rx: s.rxMessages };
}
function echo(port, ready) {
  const warnings = [];
  process.on('warning', (w) => warnings.push(w.code));
  const s = dgram.createSocket('udp4');
  s.on('message', (m, r) => s.send(m, r.port, r.address));
  // Warnings are emitted on a later tick than the bind callback.
  s.bind(port, () => setTimeout(() => ready(warnings), 50));
  return s;
}
if (isMainThread) {
  const out = {};
  echo(${PORTS.main}, () => {
    const w1 = new Worker(__filename, { workerData: ${PORTS.worker} });
    w1.once('message', (m1) => {
      out.worker = m1;
      const w2 = new Worker(__filename, { workerData: ${PORTS.late} });
      w2.once('message', (m2) => {
        out.late = m2;
        out.main = report();
        console.log(JSON.stringify({ ready: out }));
        process.stdin.once('data', () => {
          const fin = { main: report() };
          let left = 2;
          for (const [name, w] of [['worker', w1], ['late', w2]]) {
            w.once('message', (m) => { fin[name] = m; if (--left === 0) { console.log(JSON.stringify({ done: fin })); process.exit(0); } });
            w.postMessage('report');
          }
        });
      });
    });
  });
} else {
  echo(workerData, (warnings) => {
    parentPort.postMessage({ ...report(), warnings });
    parentPort.on('message', () => parentPort.postMessage(report()));
  });
}
`;
fs.writeFileSync(path.join(tmp, 'server.js'), serverJs);

// Kernel client in rsTAGb: 16 sockets (flows spread over the two tx queues, hence rx queues of
// the server's veth), 10 datagrams each to each port, every reply checked.
const clientJs = `
const dgram = require('dgram');
const ports = ${JSON.stringify(Object.values(PORTS))};
const got = {}, socks = [];
let left = 16 * 10 * ports.length;
const guard = setTimeout(() => { console.log(JSON.stringify({ ...got, timeout: left })); process.exit(1); }, 8000);
const done = () => { clearTimeout(guard); console.log(JSON.stringify(got)); socks.forEach((s) => s.close()); };
for (let i = 0; i < 16; i++) {
  const s = dgram.createSocket('udp4');
  socks.push(s);
  s.on('message', (m, r) => { if (m.toString() === 'q' + r.port + ':' + i) got[r.port] = (got[r.port] || 0) + 1; if (--left === 0) done(); });
  s.bind(0, () => { for (const p of ports) for (let k = 0; k < 10; k++) s.send('q' + p + ':' + i, p, '10.99.${TAG}.1'); });
}
`;
fs.writeFileSync(path.join(tmp, 'client.js'), clientJs);

test.before(() => { if (isRoot && want) netns.up(TAG, { queues: 2 }); });
test.after.always(() => { if (isRoot && want) netns.down(TAG); fs.rmSync(tmp, { recursive: true, force: true }); });

run('two environments own one rx queue each; a third finds none and falls back; every datagram is answered', async (t) => {
  const env = { ...process.env, RINGSOCK_BACKEND: 'xdp', RINGSOCK_STRICT: '1', RINGSOCK_XDP_QUEUES: '1' };
  delete env.RINGSOCK_IFACE;
  const server = spawn('ip', ['netns', 'exec', A, process.execPath, '-r', path.join(root, 'dist', 'register.js'),
    path.join(tmp, 'server.js')], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  server.stdout.on('data', (d) => { stdout += d; });
  server.stderr.on('data', (d) => { stderr += d; });
  const line = (key) => new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no ${key}: ${stdout} ${stderr}`)), 10000);
    const look = () => {
      const l = stdout.split('\n').find((x) => x.startsWith(`{"${key}"`));
      if (l) { clearTimeout(timer); server.stdout.off('data', look); res(JSON.parse(l)[key]); }
    };
    server.stdout.on('data', look);
    look();
  });
  try {
    const ready = await line('ready');
    t.deepEqual(ready.main.queues, [0], JSON.stringify(ready));
    t.deepEqual(ready.worker.queues, [1], 'the worker took the free queue');
    t.deepEqual(ready.main.interfaces, [`${A}0`]);
    t.deepEqual(ready.worker.interfaces, [`${A}0`]);
    t.deepEqual(ready.late.queues, [], 'no queue left for the second worker');
    t.deepEqual(ready.late.interfaces, []);
    t.deepEqual(ready.late.warnings, ['RINGSOCK_XDP_NO_QUEUE']);
    t.regex(stderr, new RegExp(`${A}0 has 2 rx queues, each owned by another Node environment`));

    const c = spawnSync('ip', ['netns', 'exec', B, process.execPath, path.join(tmp, 'client.js')],
      { encoding: 'utf8', timeout: 15000 });
    t.is(c.status, 0, c.stdout + c.stderr);
    const got = JSON.parse(c.stdout.trim().split('\n').pop());
    for (const p of Object.values(PORTS)) t.is(got[p], 160, `port ${p}: ${c.stdout}`);

    server.stdin.write('report\n');
    const fin = await line('done');
    for (const name of ['main', 'worker', 'late']) t.is(fin[name].rx, 160, `${name}: ${JSON.stringify(fin[name])}`);
    t.is(fin.late.xsk, 0, 'the environment without a queue is served by its kernel half');
    t.true(fin.main.xsk + fin.worker.xsk > 0, JSON.stringify(fin));
    t.log(`XSK / kernel deliveries: main ${fin.main.xsk}/${fin.main.kernel}, worker ${fin.worker.xsk}/${fin.worker.kernel}, ` +
      `late ${fin.late.xsk}/${fin.late.kernel}`);
  } finally {
    server.kill('SIGKILL');
    await new Promise((res) => server.once('exit', res));
  }
  // The program went with the process.
  const link = spawnSync('ip', ['-n', A, '-d', 'link', 'show', `${A}0`], { encoding: 'utf8' });
  t.notRegex(link.stdout, /prog\/xdp/);
});
