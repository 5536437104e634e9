// Real peers across the veth pair of `scripts/netns.sh up 10` (rs10a 10.99.10.1 <-> rs10b
// 10.99.10.2): wrk against an unchanged http app under -r ringsock/register, and an unchanged
// ioredis client under the hook against a real redis-server. RINGSOCK_BACKEND picks the backend.
'use strict';
const test = require('ava');
const { execFileSync, spawn } = require('node:child_process');
const { once } = require('node:events');
const path = require('node:path');
const { within } = require('./net-helpers');

const root = path.join(__dirname, '..');
const TAG = '10';
const A = `rs${TAG}a`;
const B = `rs${TAG}b`;
const ADDR_A = `10.99.${TAG}.1`;
const ADDR_B = `10.99.${TAG}.2`;
const register = path.join(root, 'dist', 'register.js');
const own = process.env.RINGSOCK_BACKEND !== 'node';
const children = [];

function netns(cmd) {
  execFileSync('bash', [path.join(root, 'scripts', 'netns.sh'), cmd, TAG], { stdio: 'ignore', timeout: 30_000 });
}

/** Starts `args` in namespace `ns`; resolves with the child and its first stdout line. */
async function start(ns, args) {
  const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  children.push(child);
  child.stdout.setEncoding('utf8');
  const [line] = await within(15_000, `${args[0]} start`, Promise.race([
    once(child.stdout, 'data'),
    once(child, 'exit').then(([code]) => { throw new Error(`${args.join(' ')} exited with ${code}`); }),
  ]));
  return { child, line: line.split('\n')[0] };
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await within(10_000, 'child exit', once(child, 'exit')).catch(() => child.kill('SIGKILL'));
}

test.before(() => netns('up'));
test.after.always(async () => {
  for (const c of children) await stop(c).catch(() => {});
  netns('down');
});

test.serial('wrk (3 s) against an unchanged http app under -r ringsock/register: every response right', async (t) => {
  t.timeout(60_000);
  const { child, line } = await start(A, [process.execPath, '-r', register,
    path.join(__dirname, 'fixtures', 'http-app.js'), ADDR_A, '0']);
  const { port } = JSON.parse(line);
  // The app's connections really are ringsock's (Node's own on the node backend).
  const info = JSON.parse(execFileSync('ip', ['netns', 'exec', B, 'curl', '-sS', '--max-time', '5',
    `http://${ADDR_A}:${port}/socket`], { encoding: 'utf8', timeout: 10_000 }));
  t.is(info.socket, own ? 'RingsockSocket' : 'Socket');
  t.is(info.remote, ADDR_B);
  const out = execFileSync('ip', ['netns', 'exec', B, 'wrk', '-t2', '-c64', '-d3s', '--timeout', '2s',
    '-s', path.join(__dirname, 'fixtures', 'wrk-check.lua'), `http://${ADDR_A}:${port}/hello`],
  { encoding: 'utf8', timeout: 30_000 });
  t.log(out.split('\n').filter((l) => /Requests\/sec|Latency|CHECK/.test(l)).join(' | '));
  t.notRegex(out, /Socket errors/, 'no connect/read/write/timeout errors');
  t.notRegex(out, /Non-2xx/);
  const [, good, bad] = out.match(/CHECK good=(\d+) bad=(\d+)/);
  const [, total] = out.match(/(\d+) requests in/);
  t.is(Number(bad), 0);
  t.true(Number(good) > 1000, `${good} checked responses`);
  t.is(Number(good), Number(total));
  await stop(child);
  t.is(child.exitCode, 0, 'the app closed cleanly on SIGTERM');
});

test.serial('the http app on the dual-stack address answers over IPv6 and IPv4 across the veth', async (t) => {
  t.timeout(30_000);
  const { child, line } = await start(A, [process.execPath, '-r', register,
    path.join(__dirname, 'fixtures', 'http-app.js'), '::', '0']);
  const { port } = JSON.parse(line);
  const curl = (url) => execFileSync('ip', ['netns', 'exec', B, 'curl', '-sS', '--max-time', '5', url],
    { encoding: 'utf8', timeout: 10_000 });
  t.is(curl(`http://[fd99::${TAG}:1]:${port}/hello`), 'hello world\n');
  t.deepEqual(JSON.parse(curl(`http://[fd99::${TAG}:1]:${port}/socket`)),
    { socket: own ? 'RingsockSocket' : 'Socket', remote: `fd99::${TAG}:2` });
  t.deepEqual(JSON.parse(curl(`http://${ADDR_A}:${port}/socket`)),
    { socket: own ? 'RingsockSocket' : 'Socket', remote: `::ffff:${ADDR_B}` });
  await stop(child);
});

test.serial('ioredis under -r ringsock/register against redis-server: thousands of SET/GET, all checked', async (t) => {
  t.timeout(90_000);
  const port = 6390;
  const redis = spawn('ip', ['netns', 'exec', B, 'redis-server', '--port', String(port), '--bind', ADDR_B,
    '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
  children.push(redis);
  try {
    // Ready when it answers PING (bounded: 50 tries, 100 ms apart).
    let ready = false;
    for (let i = 0; i < 50 && !ready; i++) {
      try {
        ready = execFileSync('ip', ['netns', 'exec', B, 'redis-cli', '-h', ADDR_B, '-p', String(port), 'ping'],
          { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim() === 'PONG';
      } catch { /* not yet */ }
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    t.true(ready, 'redis-server answers');
    const out = execFileSync('ip', ['netns', 'exec', A, process.execPath, '-r', register,
      path.join(__dirname, 'fixtures', 'redis-client.js'), ADDR_B, String(port), '5000'],
    { encoding: 'utf8', timeout: 60_000, env: process.env });
    const r = JSON.parse(out.trim().split('\n').pop());
    t.log(r);
    t.is(r.socket, own ? 'RingsockSocket' : 'Socket');
    t.is(r.set, 5000);
    t.is(r.ok, 5000);
    t.is(r.bad, 0);
    t.is(r.pipeline_ok, 500);
    // The server saw the keys too (not a client-side cache).
    const dbsize = execFileSync('ip', ['netns', 'exec', B, 'redis-cli', '-h', ADDR_B, '-p', String(port), 'dbsize'],
      { encoding: 'utf8', timeout: 5000 }).trim();
    t.is(dbsize, '5000');
  } finally {
    await stop(redis);
  }
});
