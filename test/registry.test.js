// The service locator (DESIGN.md decision 1): every env combination, fallback warnings,
// strict mode, and the same seen from a real process through ringsock.backend().
const test = require('ava');
const { execFileSync, spawnSync } = require('node:child_process');
const path = require('node:path');
const { Registry, requested } = require('../dist/backends/registry.js');

const root = path.join(__dirname, '..');

// Backends whose probe answers what the test says; create() records the call.
function fakeEntries(failing = {}) {
  const created = [];
  const entries = ['node', 'uring', 'xdp'].map((name) => ({
    name,
    probe: () => failing[name] ?? null,
    create: () => { created.push(name); return name === 'node' ? null : { name }; },
  }));
  return { entries, created };
}

function choose(env, failing) {
  const { entries, created } = fakeEntries(failing);
  const warnings = [];
  const choice = new Registry(entries).choose(env, (msg, code) => warnings.push({ msg, code }));
  return { choice, warnings, created };
}

const combos = [
  [{}, 'uring', 'default'],
  [{ KERNEL_BYPASS: '1' }, 'xdp', 'KERNEL_BYPASS=1'],
  [{ KERNEL_BYPASS: '0' }, 'uring', 'default'],
  [{ RINGSOCK_BACKEND: 'node' }, 'node', 'RINGSOCK_BACKEND=node'],
  [{ RINGSOCK_BACKEND: 'uring' }, 'uring', 'RINGSOCK_BACKEND=uring'],
  [{ RINGSOCK_BACKEND: 'xdp' }, 'xdp', 'RINGSOCK_BACKEND=xdp'],
  [{ RINGSOCK_BACKEND: 'node', KERNEL_BYPASS: '1' }, 'node', 'RINGSOCK_BACKEND=node'],
  [{ RINGSOCK_BACKEND: 'uring', KERNEL_BYPASS: '1' }, 'uring', 'RINGSOCK_BACKEND=uring'],
  [{ RINGSOCK_BACKEND: '', KERNEL_BYPASS: '1' }, 'xdp', 'KERNEL_BYPASS=1'],
];
for (const [env, name, why] of combos) {
  for (const strict of [undefined, '1']) {
    test(`env ${JSON.stringify(env)} strict=${strict ?? 'unset'} chooses ${name}`, (t) => {
      const { choice, warnings, created } = choose({ ...env, RINGSOCK_STRICT: strict });
      t.is(choice.name, name);
      t.is(choice.reason, why);
      t.deepEqual(warnings, []);
      t.deepEqual(created, [name]);
    });
  }
}

test('an unknown RINGSOCK_BACKEND is a TypeError naming the choices', (t) => {
  const err = t.throws(() => requested({ RINGSOCK_BACKEND: 'dpdk' }), { instanceOf: TypeError });
  t.regex(err.message, /node, uring, xdp.*"dpdk"/);
});

test('xdp falls back to uring with one warning naming the reason', (t) => {
  const { choice, warnings } = choose({ KERNEL_BYPASS: '1' }, { xdp: 'CAP_BPF is missing.' });
  t.is(choice.name, 'uring');
  t.is(warnings.length, 1);
  t.is(warnings[0].code, 'RINGSOCK_FALLBACK');
  t.is(warnings[0].msg, 'ringsock: using the uring backend instead of xdp: xdp: CAP_BPF is missing.');
  t.regex(choice.reason, /KERNEL_BYPASS=1; fell back: xdp: CAP_BPF is missing\./);
});

test('xdp and uring both failing end on node, still one warning with both reasons', (t) => {
  const { choice, warnings } = choose({ KERNEL_BYPASS: '1' }, { xdp: 'no XDP here.', uring: 'seccomp blocks io_uring.' });
  t.is(choice.name, 'node');
  t.is(warnings.length, 1);
  t.regex(warnings[0].msg, /instead of xdp: xdp: no XDP here\.; uring: seccomp blocks io_uring\./);
});

test('a reason already given by the backend before is not repeated in the warning', (t) => {
  const why = 'io_uring_queue_init failed: Cannot allocate memory';
  const { choice, warnings } = choose({ KERNEL_BYPASS: '1' }, { xdp: `io_uring is unavailable: ${why}`, uring: why });
  t.is(choice.name, 'node');
  t.is(warnings.length, 1);
  t.is(warnings[0].msg, `ringsock: using the node backend instead of xdp: xdp: io_uring is unavailable: ${why} (Node's own sockets run the app)`);
});

test('strict mode turns the fallback into a thrown error', (t) => {
  const err = t.throws(() => choose({ RINGSOCK_BACKEND: 'uring', RINGSOCK_STRICT: '1' }, { uring: 'io_uring_setup failed: EPERM.' }));
  t.is(err.code, 'ERR_RINGSOCK_BACKEND_UNAVAILABLE');
  t.regex(err.message, /uring backend is unavailable \(RINGSOCK_STRICT=1\): io_uring_setup failed: EPERM\./);
});

test('a probe that throws counts as a failed probe', (t) => {
  const { entries } = fakeEntries();
  entries[1].probe = () => { throw new Error('boom'); };
  const warnings = [];
  const choice = new Registry(entries).choose({}, (m) => warnings.push(m));
  t.is(choice.name, 'node');
  t.regex(warnings[0], /the uring probe threw: boom/);
});

// The real registry in a real process: forced probe failure through the test seam.
function runChild(env) {
  return spawnSync(process.execPath, ['-e', "console.log(JSON.stringify(require('./dist/index.js').backend()))"],
    { cwd: root, env: { ...process.env, RINGSOCK_BACKEND: '', KERNEL_BYPASS: '', RINGSOCK_STRICT: '', ...env }, encoding: 'utf8' });
}

test('a forced uring probe failure warns once on stderr and runs on node', (t) => {
  const r = runChild({ RINGSOCK_PROBE_FAIL: 'uring' });
  t.is(r.status, 0, r.stderr);
  t.deepEqual(JSON.parse(r.stdout).name, 'node');
  const warnings = r.stderr.split('\n').filter((l) => l.includes('RINGSOCK_FALLBACK') || l.includes('ringsock: using'));
  t.is(warnings.length, 1, r.stderr);
  t.regex(r.stderr, /ringsock: using the node backend instead of uring: uring: probe failure forced by RINGSOCK_PROBE_FAIL=uring/);
});

test('a forced probe failure under RINGSOCK_STRICT=1 makes require throw', (t) => {
  const r = runChild({ RINGSOCK_PROBE_FAIL: 'uring', RINGSOCK_STRICT: '1' });
  t.not(r.status, 0);
  t.regex(r.stderr, /ERR_RINGSOCK_BACKEND_UNAVAILABLE|uring backend is unavailable \(RINGSOCK_STRICT=1\)/);
});

test('RINGSOCK_BACKEND=node runs the builtin modules as they are', (t) => {
  const out = execFileSync(process.execPath, ['-e',
    "const d=require('./dist/dgram.js');console.log(d===require('node:dgram'), require('./dist/index.js').backend().name)"],
  { cwd: root, env: { ...process.env, RINGSOCK_BACKEND: 'node' }, encoding: 'utf8' });
  t.is(out.trim(), 'true node');
});
