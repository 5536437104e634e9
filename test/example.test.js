'use strict';
// examples/multicast (seed 000) run unchanged under `node -r ./dist/register.js` across the veth
// pair of `scripts/netns.sh up 4`: the server in rs4a reads lines on stdin, the client in rs4b
// must print each of them. Once per backend: the one RINGSOCK_BACKEND names, otherwise every
// backend whose probe passes here (the others are listed as skipped, with the reason).
const test = require('ava');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const proc = require('./helpers/proc.js');
const netns = require('./helpers/netns.js');

const root = path.join(__dirname, '..');
const register = path.join(root, 'dist', 'register.js');
const example = path.join(root, 'examples', 'multicast');
const TAG = 4;

/** null when `name` can run here, else the reason (asked in a child, strict, like test.sh). */
function probe(name) {
  const r = spawnSync(process.execPath, ['-e', 'console.log(JSON.stringify(require("./dist/index.js").backend()))'],
    { cwd: root, env: { ...process.env, RINGSOCK_BACKEND: name, RINGSOCK_STRICT: '1' }, encoding: 'utf8', timeout: 20000 });
  if (r.status === 0) return null;
  return (r.stderr.split('\n').find((l) => l.includes('ringsock')) || r.stderr || 'probe failed').trim();
}

/** Does process `pid` hold an io_uring instance? (the uring backend's engine) */
function holdsIoUring(pid) {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try { return fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === 'anon_inode:[io_uring]'; } catch { return false; }
    });
  } catch {
    return false;
  }
}

/** The io_uring check for a backend: uring holds one, node none; xdp is not asked. */
function checkEngine(t, backend, pid, who) {
  // `ip netns exec` execs node in place: the child's pid is node's.
  if (backend === 'xdp') return;
  t.is(holdsIoUring(pid), backend === 'uring', `io_uring fd in the ${who} process`);
}

let topo = null;
test.after.always(() => { if (topo) netns.down(TAG); });

const backends = process.env.RINGSOCK_BACKEND ? [process.env.RINGSOCK_BACKEND] : ['node', 'uring', 'xdp'];
const families = [
  { name: 'IPv4', group: '239.255.0.1', client: () => topo.b.ip4, server: () => topo.a.ip4 },
  { name: 'IPv6', group: 'ff0e::1:7', client: () => `::%${topo.b.dev}`, server: () => `::%${topo.a.dev}` },
];

for (const backend of backends) {
  const why = probe(backend);
  for (const fam of families) {
    const title = `multicast example, ${fam.name}, ${backend} backend: client prints the lines typed into the server`;
    if (why) {
      test.skip(`${title} (unavailable: ${why})`, () => {});
      continue;
    }
    test.serial(title, async (t) => {
      t.timeout(40000);
      if (!topo) topo = netns.up(TAG);
      const env = {
        RINGSOCK_BACKEND: backend, RINGSOCK_STRICT: '1',
        MCAST_GROUP: fam.group, MCAST_PORT: String(30001 + (fam.name === 'IPv6' ? 1 : 0)),
      };
      const client = proc.start(['-r', register, path.join(example, 'client.js')],
        { ns: topo.b.ns, env: { ...env, MCAST_IFACE: fam.client() }, timeoutMs: 30000 });
      try {
        await client.waitLine((l) => l.startsWith('client: listening'), 15000, 'stderr');
        checkEngine(t, backend, client.child.pid, 'client');

        const lines = ['hello from the server', 'second line', 'ünïcödé ✓', 'x'.repeat(1000)];
        const server = proc.start(['-r', register, path.join(example, 'server.js')],
          { ns: topo.a.ns, env: { ...env, MCAST_IFACE: fam.server() }, timeoutMs: 30000 });
        await server.waitLine((l) => l.startsWith('server: type lines'), 15000, 'stderr');
        checkEngine(t, backend, server.child.pid, 'server');
        // Typed one at a time, as on a terminal.
        for (const line of lines) {
          server.child.stdin.write(`${line}\n`);
          await client.waitLine((l) => l === line, 10000);
        }
        server.child.stdin.end(); // Ctrl-D: the server closes its socket and exits by itself
        const res = await server.result;
        t.false(res.timedOut, 'server did not exit after end of input');
        t.is(res.code, 0, res.stderr);
        t.deepEqual(client.lines, lines);
      } finally {
        client.child.kill('SIGTERM');
        const res = await client.result;
        t.false(res.timedOut);
      }
    });
  }
}
