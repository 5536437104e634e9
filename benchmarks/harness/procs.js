'use strict';
// Child processes of a benchmark run: servers (started, awaited for their READY line, stopped)
// and bounded clients. Every child is tracked so a signal handler can end them all by pid.
const { spawn } = require('child_process');

const live = new Set();

// CPU placement: servers and load clients on different CPUs. On a small machine a spinning
// client and a busy-polling server that land on one CPU take turns by time slice (~8 ms round
// trips measured here instead of ~10 µs). RINGSOCK_BENCH_PIN=0 turns it off.
const os = require('os');
const ncpu = os.cpus().length;
const PIN = process.env.RINGSOCK_BENCH_PIN !== '0' && ncpu >= 2
  ? { client: '0', server: ncpu >= 4 ? `2-${ncpu - 1}` : String(ncpu - 1) } : null;
// pin false: a scenario whose servers and load share every CPU (the cluster rows).
const pinned = (role, argv, pin = true) => (PIN && pin ? ['taskset', '-c', PIN[role], ...argv] : argv);

function nsArgv(ns, env, argv) {
  const e = Object.entries(env || {}).map(([k, v]) => `${k}=${v}`);
  return ['ip', ['netns', 'exec', ns, 'env', ...e, ...argv]];
}

/** The end of a process's output as one line (our own RINGSOCK_BACKEND_INFO lines left out). */
function tail(s, n = 400) {
  s = s.split('\n').map((l) => l.trim())
    .filter((l) => l && !l.startsWith('RINGSOCK_BACKEND_INFO ') && !/^at .+(\(.*\)|:\d+:\d+)$/.test(l)).join(' | ');
  return s.length > n ? '…' + s.slice(-n) : s;
}

/** Why a process failed: its first "…Error: message" line if it printed one, else its tail. */
function why(text) {
  const m = text.match(/^[^\n]*?\b(?:\w*Error)(?: \[\w+\])?: [^\n]+/m);
  return m ? m[0].trim().slice(0, 400) : tail(text) || 'no output';
}

/** Starts argv in namespace ns; resolves once stdout shows READY, rejects on exit or timeout. */
function startServer(ns, env, argv, { readyTimeoutMs = 15000, pin = true } = {}) {
  const [cmd, args] = nsArgv(ns, env, pinned('server', argv, pin));
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const srv = { child, stdout: '', stderr: '', exited: false, code: null, signal: null, readyLine: '' };
  child.stdout.on('data', (d) => { srv.stdout += d; });
  child.stderr.on('data', (d) => { srv.stderr += d; });
  // 'close' (not 'exit'): fires once stdout/stderr are drained, so error output is complete.
  const exit = new Promise((resolve) => child.on('close', (code, signal) => {
    srv.exited = true; srv.code = code; srv.signal = signal; live.delete(child); resolve();
  }));
  srv.exit = exit;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stopServer(srv).then(() => reject(new Error(`no READY within ${readyTimeoutMs} ms: ${why(srv.stderr || srv.stdout)}`)));
    }, readyTimeoutMs);
    const onData = () => {
      const m = srv.stdout.match(/^READY[^\n]*$/m);
      if (m) { clearTimeout(timer); child.stdout.off('data', onData); srv.readyLine = m[0]; resolve(srv); }
    };
    child.stdout.on('data', onData);
    exit.then(() => {
      clearTimeout(timer);
      if (!srv.readyLine) reject(new Error(`exited (${srv.code ?? srv.signal}) before READY: ${why(srv.stderr || srv.stdout)}`));
    });
  });
}

/** SIGTERM, then SIGKILL after graceMs. Resolves when the process is gone. */
async function stopServer(srv, graceMs = 3000) {
  if (srv.exited) return;
  try { srv.child.kill('SIGTERM'); } catch { /* gone */ }
  const t = setTimeout(() => { try { srv.child.kill('SIGKILL'); } catch { /* gone */ } }, graceMs);
  await srv.exit;
  clearTimeout(t);
}

/** Runs argv in ns, bounded by `timeout -k 2 limitSecs`; resolves {code, stdout, stderr}. */
function runClient(ns, env, argv, limitSecs, { pin = true } = {}) {
  const [cmd, args] = nsArgv(ns, env, ['timeout', '-k', '2', String(Math.ceil(limitSecs)), ...pinned('client', argv, pin)]);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code, signal) => { live.delete(child); resolve({ code: code ?? (signal ? 128 : 1), signal, stdout, stderr }); });
    child.on('error', (err) => { live.delete(child); resolve({ code: 127, stdout, stderr: String(err) }); });
  });
}

/**
 * For signal handlers: ends every child we started, by pid. SIGTERM first (a client's pid is
 * `timeout`, which passes it on to the client; servers stop cleanly), SIGKILL what is left.
 */
async function killAll(graceMs = 1500) {
  for (const c of live) { try { c.kill('SIGTERM'); } catch { /* gone */ } }
  const t0 = Date.now();
  while (live.size && Date.now() - t0 < graceMs) await sleep(50);
  for (const c of live) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
  live.clear();
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { PIN, startServer, stopServer, runClient, killAll, sleep, tail, why };
