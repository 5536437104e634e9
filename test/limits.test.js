// Resource limits met at startup become the registry's fallback (issue 13, parts 4 and 5): a
// dgram + net + http app (test/helpers/limits-app.js) under memlock 64 KiB without CAP_IPC_LOCK,
// or under a seccomp filter that denies only io_uring_enter (or only setup, or register), runs on Node's own sockets with ONE
// warning naming the reason; under RINGSOCK_STRICT=1 it fails with that reason, never hangs.
// Asked for both ways: the default (uring) and KERNEL_BYPASS=1 (xdp -> uring -> node).
const avaTest = require('ava');
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const denySyscall = path.join(root, 'build', 'deny_syscall');
const app = ['-r', './dist/register.js', 'test/helpers/limits-app.js'];
const CHILD_MS = 15000;  // the app bounds each step at 3 s; this catches a hang anywhere else

// scripts/setup.sh builds the launcher; build it here if this checkout has not run setup yet.
if (!fs.existsSync(denySyscall)) {
  execFileSync('cc', ['-O2', '-Wall', '-o', denySyscall, path.join(__dirname, 'helpers', 'deny_syscall.c')]);
}

// Node 24's libuv (1.52) needs io_uring_enter itself once io_uring_setup works: it aborts
// ("libuv: io_uring_enter(getevents)") before any ringsock code runs, builtin sockets or not.
// Such a Node cannot run under that filter at all, so those cases are left out there.
const nodeRunsWithout = (syscall) => spawnSync(denySyscall, [syscall, 'EPERM', process.execPath, '-e', '0'],
  { timeout: CHILD_MS }).status === 0;

const CAP_IPC_LOCK = 14;
const hasIpcLock = (BigInt(`0x${/CapEff:\s*(\w+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]}`) >> BigInt(CAP_IPC_LOCK)) & 1n;

// Each limit: the command prefix that imposes it, and the words the reason must contain.
const limits = {
  'memlock 64 KiB without CAP_IPC_LOCK': {
    prefix: [
      ...(hasIpcLock ? ['setpriv', '--inh-caps=-ipc_lock', '--ambient-caps=-ipc_lock', '--bounding-set=-ipc_lock'] : []),
      'prlimit', '--memlock=65536:65536',
    ],
    reason: /io_uring_queue_init \(4096 SQ \/ 16384 CQ entries\) failed: Cannot allocate memory \(about 544 KiB must be locked, beside what this user's other rings lock; the memlock limit is 64 KiB and CAP_IPC_LOCK is missing\)/,
  },
  'seccomp denying io_uring_setup with EPERM': {
    syscall: 'io_uring_setup',
    prefix: [denySyscall, 'io_uring_setup', 'EPERM'],
    reason: /io_uring_setup failed: Operation not permitted \(io_uring blocked by seccomp or kernel\.io_uring_disabled\)/,
  },
  'seccomp denying io_uring_register with EPERM': {
    syscall: 'io_uring_register',
    prefix: [denySyscall, 'io_uring_register', 'EPERM'],
    reason: /io_uring eventfd registration failed: Operation not permitted \(io_uring_register blocked by seccomp\?\)/,
  },
  'seccomp denying io_uring_enter with EPERM': {
    syscall: 'io_uring_enter',
    prefix: [denySyscall, 'io_uring_enter', 'EPERM'],
    reason: /io_uring cannot complete a request \(a NOP round trip\): io_uring_enter failed: Operation not permitted/,
  },
  'seccomp denying io_uring_enter with ENOSYS': {
    syscall: 'io_uring_enter',
    prefix: [denySyscall, 'io_uring_enter', 'ENOSYS'],
    reason: /io_uring cannot complete a request \(a NOP round trip\): io_uring_enter failed: Function not implemented/,
  },
};

const requests = {
  default: { want: 'uring', env: {} },
  'KERNEL_BYPASS=1': { want: 'xdp', env: { KERNEL_BYPASS: '1' } },
};

function run(prefix, env, command = [...prefix, process.execPath, ...app]) {
  const [cmd, ...args] = command;
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, RINGSOCK_BACKEND: '', KERNEL_BYPASS: '', RINGSOCK_STRICT: '', NODE_OPTIONS: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_MS);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

const fallbackLines = (stderr) => stderr.split('\n').filter((l) => l.includes('RINGSOCK_FALLBACK'));

avaTest('control: without a limit the app runs on io_uring, without a warning', async (t) => {
  const r = await run([], {});
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), 'ok uring');
  t.deepEqual(fallbackLines(r.stderr), []);
});

for (const [limit, { syscall, prefix, reason }] of Object.entries(limits)) {
  const test = syscall && !nodeRunsWithout(syscall) ? avaTest.skip : avaTest;
  for (const [request, { want, env }] of Object.entries(requests)) {
    test(`${limit}, ${request}: the app runs on node with one warning naming the reason`, async (t) => {
      const r = await run(prefix, env);
      t.is(r.signal, null, `ended by ${r.signal} (SIGKILL: no exit within ${CHILD_MS} ms): ${r.stderr}`);
      t.is(r.code, 0, r.stderr);
      t.is(r.stdout.trim(), 'ok node');
      const warnings = fallbackLines(r.stderr);
      t.is(warnings.length, 1, r.stderr);
      t.true(warnings[0].includes(`ringsock: using the node backend instead of ${want}: ${want}: `), warnings[0]);
      t.regex(warnings[0], reason);
    });

    test(`${limit}, ${request}, RINGSOCK_STRICT=1: fails at once with the reason`, async (t) => {
      const r = await run(prefix, { ...env, RINGSOCK_STRICT: '1' });
      t.is(r.signal, null, `ended by ${r.signal} (SIGKILL: no exit within ${CHILD_MS} ms): ${r.stderr}`);
      t.not(r.code, 0);
      t.is(r.stdout, '');
      t.regex(r.stderr, /ERR_RINGSOCK_BACKEND_UNAVAILABLE/);
      t.true(r.stderr.includes(`ringsock: the ${want} backend is unavailable (RINGSOCK_STRICT=1): `), r.stderr);
      t.regex(r.stderr, reason);
      t.deepEqual(fallbackLines(r.stderr), []);
    });
  }
}

// KERNEL_BYPASS=1 with memlock 8 MiB: the io_uring engine fits, a UMEM of one rx queue beside it
// does not: the bypass falls back to io_uring (the probe used to register the UMEM alone, pass,
// and the engine's ring then failed with an uncaught ENOMEM at the first socket).
const memlock8 = [...limits['memlock 64 KiB without CAP_IPC_LOCK'].prefix.slice(0, -1), '--memlock=8388608:8388608'];
const umemReason = /the AF_XDP UMEM \(8 MiB per rx queue\) cannot be registered beside the io_uring engine \(about 8736 KiB must be locked, beside what this user's other rings lock; the memlock limit is 8192 KiB and CAP_IPC_LOCK is missing\)/;

avaTest('memlock 8 MiB without CAP_IPC_LOCK, KERNEL_BYPASS=1: the app runs on uring with one warning naming the UMEM', async (t) => {
  const r = await run(memlock8, { KERNEL_BYPASS: '1' });
  t.is(r.signal, null, `ended by ${r.signal} (SIGKILL: no exit within ${CHILD_MS} ms): ${r.stderr}`);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim(), 'ok uring');
  const warnings = fallbackLines(r.stderr);
  t.is(warnings.length, 1, r.stderr);
  t.regex(warnings[0], /ringsock: using the uring backend instead of xdp: /);
  t.regex(warnings[0], umemReason);
});

avaTest('memlock 8 MiB without CAP_IPC_LOCK, KERNEL_BYPASS=1, RINGSOCK_STRICT=1: fails at once naming the UMEM', async (t) => {
  const r = await run(memlock8, { KERNEL_BYPASS: '1', RINGSOCK_STRICT: '1' });
  t.is(r.signal, null, `ended by ${r.signal} (SIGKILL: no exit within ${CHILD_MS} ms): ${r.stderr}`);
  t.not(r.code, 0);
  t.regex(r.stderr, /ringsock: the xdp backend is unavailable \(RINGSOCK_STRICT=1\): /);
  t.regex(r.stderr, umemReason);
});

// One engine per event loop, each probed for itself: with room for one engine (memlock 1 MiB),
// the main thread runs on io_uring and a worker falls back alone, with its own one warning.
// Serial: the kernel charges locked memory to the user, so the other children must not overlap.
avaTest.serial('memlock for one engine: the main thread runs on uring, a worker on node, each app checked', async (t) => {
  const prefix = [...limits['memlock 64 KiB without CAP_IPC_LOCK'].prefix.slice(0, -1), '--memlock=1048576:1048576'];
  const r = await run(prefix, {}, [...prefix, process.execPath, 'test/helpers/limits-worker.js']);
  t.is(r.code, 0, r.stderr);
  t.deepEqual(r.stdout.trim().split('\n').sort(), ['main uring ping', 'worker node ping']);
  const warnings = fallbackLines(r.stderr);
  t.is(warnings.length, 1, r.stderr);
  t.regex(warnings[0], /using the node backend instead of uring: uring: io_uring_queue_init .* the memlock limit is 1024 KiB/);
});
