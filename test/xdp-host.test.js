// The bypass never takes an interface of the host's own network namespace unless
// RINGSOCK_IFACE names it: a wildcard-bound bypass socket in the namespace this test runs in
// (the host's, as for any service started on the machine) is served by io_uring, with one
// warning saying why, and no XDP program appears on any interface at any moment.
// Run as: RINGSOCK_BACKEND=xdp RINGSOCK_STRICT=1 npx ava test/xdp-host.test.js (root).
const test = require('ava');
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const isRoot = process.getuid && process.getuid() === 0;
const want = process.env.RINGSOCK_BACKEND === 'xdp' || process.env.KERNEL_BYPASS === '1';
const run = isRoot && want ? test.serial : test.serial.skip;

// A plain node:dgram app: both families on wildcard addresses, one datagram over loopback.
const app = `
const dgram = require('dgram');
const ringsock = require(${JSON.stringify(path.join(root, 'dist', 'index.js'))});
const s4 = dgram.createSocket('udp4'), s6 = dgram.createSocket({ type: 'udp6', ipv6Only: true });
s4.bind(0, '0.0.0.0', () => s6.bind(0, '::', () => {
  s4.once('message', (m) => {
    const out = { got: m.toString(), backend: ringsock.backend().name,
      interfaces: ringsock.stats().sockets.map((s) => s.interfaces) };
    setTimeout(() => { console.log(JSON.stringify(out)); s4.close(); s6.close(); }, 300);
  });
  s4.send('ping', s4.address().port, '127.0.0.1');
}));
`;

/** Interfaces of this namespace that hold an XDP program now. */
function withXdp() {
  const r = spawnSync('ip', ['-j', '-d', 'link', 'show'], { encoding: 'utf8', timeout: 10_000 });
  return JSON.parse(r.stdout || '[]').filter((l) => l.xdp).map((l) => l.ifname);
}

run('in the host namespace without RINGSOCK_IFACE a bypass socket takes no interface', async (t) => {
  t.deepEqual(withXdp(), [], 'no XDP program before the test (else it proves nothing)');
  const env = { ...process.env, RINGSOCK_BACKEND: 'xdp', RINGSOCK_STRICT: '1' };
  delete env.RINGSOCK_IFACE;
  const child = spawn(process.execPath, ['-r', path.join(root, 'dist', 'register.js'), '-e', app],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((res) => child.on('exit', (code) => res(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const seen = new Set();
  let looks = 0;
  for (let done = false; !done;) {
    for (const name of withXdp()) seen.add(name);
    looks++;
    done = await Promise.race([exited.then(() => true), new Promise((res) => setTimeout(() => res(false), 5))]);
  }
  clearTimeout(timer);
  const code = await exited;
  t.is(code, 0, stderr);
  t.deepEqual([...seen], [], `XDP programs seen in ${looks} looks while the app ran`);
  const out = JSON.parse(stdout.trim().split('\n').pop());
  t.is(out.got, 'ping', 'the socket serves (on io_uring)');
  t.is(out.backend, 'xdp');
  t.deepEqual(out.interfaces, [[], []]);
  const warnings = stderr.split('\n').filter((l) => /Warning: ringsock/.test(l));
  t.is(warnings.length, 1, stderr);
  t.regex(warnings[0], /host's initial network namespace.*RINGSOCK_IFACE/);
  t.log(`${looks} looks, warning: ${warnings[0]}`);
});
