'use strict';
// Child node processes for the dgram/example tests: run one to the end with a timeout, or
// keep one running and read its stdout line by line. `ns` runs it inside a network namespace
// (`ip netns exec`); the environment (RINGSOCK_BACKEND, NODE_OPTIONS, ...) is passed through.
const { spawn } = require('node:child_process');
const readline = require('node:readline');

function command(args, ns) {
  return ns ? ['ip', ['netns', 'exec', ns, process.execPath, ...args]] : [process.execPath, args];
}

/** Starts `node ...args`; lines() yields stdout lines; result resolves at exit (or timeout kill). */
function start(args, { ns, env, timeoutMs = 20000, cwd } = {}) {
  const [cmd, argv] = command(args, ns);
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  const lines = [];
  const errLines = [];
  const waiters = [];
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr += d; });
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) w();
  });
  readline.createInterface({ input: child.stderr }).on('line', (line) => {
    errLines.push(line);
    for (const w of [...waiters]) w();
  });
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
  const result = new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      for (const w of [...waiters]) w();
      resolve({ code, signal, timedOut, lines, stderr });
    });
  });
  let exited = false;
  result.then(() => { exited = true; });

  /** Resolves with the first stdout (or stderr) line matching `pred`; rejects at exit or after ms. */
  function waitLine(pred, ms = 10000, stream = 'stdout') {
    const source = stream === 'stderr' ? errLines : lines;
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = source.find(pred);
        if (hit !== undefined) { done(); resolve(hit); return true; }
        if (exited) { done(); reject(new Error(`child exited before the expected line; stderr: ${stderr}`)); return true; }
        return false;
      };
      const t = setTimeout(() => { done(); reject(new Error(`no expected line within ${ms} ms; lines: ${lines.join('|')}; stderr: ${stderr}`)); }, ms);
      const done = () => { clearTimeout(t); const i = waiters.indexOf(check); if (i >= 0) waiters.splice(i, 1); };
      if (!check()) waiters.push(check);
    });
  }
  return { child, lines, errLines, result, waitLine, get stderr() { return stderr; } };
}

/** Runs `node ...args` to the end; returns {code, signal, timedOut, lines, stderr}. */
function run(args, opts) {
  const p = start(args, opts);
  p.child.stdin.end(opts && opts.input !== undefined ? opts.input : undefined);
  return p.result;
}

module.exports = { start, run };
