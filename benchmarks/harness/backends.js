'use strict';
// The rows of the benchmark: Node's builtin sockets, ringsock's backends (with and without busy
// polling), and the C reference servers. A ringsock backend whose strict probe fails is reported
// "unavailable: <reason>"; it is never replaced by another backend.
const fs = require('fs');
const path = require('path');
const { ROOT, sh } = require('./topology');

const DIST = path.join(ROOT, 'dist');
const REGISTER = path.join(DIST, 'register.js');
const BIN = path.join(ROOT, 'benchmarks', 'bin');

function list(topo) {
  const strict = { RINGSOCK_STRICT: '1', RINGSOCK_BENCH_DIST: DIST };
  return [
    { id: 'builtin', label: 'Node builtin (libuv)', kind: 'builtin', env: {} },
    { id: 'uring', label: 'ringsock io_uring', kind: 'ringsock', env: { ...strict, RINGSOCK_BACKEND: 'uring' } },
    { id: 'uring-busy', label: 'ringsock io_uring + busy poll', kind: 'ringsock', busy: true,
      env: { ...strict, RINGSOCK_BACKEND: 'uring', RINGSOCK_BUSY_POLL: '1' } },
    { id: 'xdp', label: 'ringsock AF_XDP', kind: 'ringsock',
      env: { ...strict, RINGSOCK_BACKEND: 'xdp', RINGSOCK_IFACE: topo.ifA } },
    { id: 'xdp-busy', label: 'ringsock AF_XDP + busy poll', kind: 'ringsock', busy: true,
      env: { ...strict, RINGSOCK_BACKEND: 'xdp', RINGSOCK_IFACE: topo.ifA, RINGSOCK_BUSY_POLL: '1' } },
    { id: 'c-epoll', label: 'C epoll reference (UDP: recvmmsg/sendmmsg; TCP: non-blocking echo/sink)', kind: 'reference' },
    { id: 'c-uring', label: 'C io_uring reference (multishot recvmsg / accept / recv on a provided buffer ring, no SQPOLL)', kind: 'reference' },
    { id: 'c-xdp', label: 'C AF_XDP busy poll (reference)', kind: 'reference' },
  ];
}

/**
 * Does backend `name` read RINGSOCK_BUSY_POLL? Looked up in the sources and compiled JS that
 * belong to it (path contains its name) or are shared (common/, addon, registry, index).
 */
function busyPollKnown(name) {
  const roots = [DIST, path.join(ROOT, 'native'), path.join(ROOT, 'src')];
  const stack = roots.filter((p) => fs.existsSync(p));
  const mine = new RegExp(`(${name}|common|addon|registry|index|loop)`, 'i');
  while (stack.length) {
    const p = stack.pop();
    const st = fs.statSync(p);
    if (st.isDirectory()) { for (const f of fs.readdirSync(p)) stack.push(path.join(p, f)); continue; }
    if (!/\.(js|ts|cc|c|h|hpp|cpp)$/.test(p) || st.size > 5e6 || !mine.test(path.relative(ROOT, p))) continue;
    if (fs.readFileSync(p).includes('RINGSOCK_BUSY_POLL')) return true;
  }
  return false;
}

/** Fills b.available / b.reason / b.info. Runs the probe inside the server namespace. */
function probe(b, topo) {
  if (b.kind === 'builtin') { b.available = true; b.reason = ''; return; }
  if (b.kind === 'reference') {
    const need = { 'c-xdp': ['xsk_echo', 'xsk_steer.bpf.o'], 'c-uring': ['uring_echo'] }[b.id] || ['udp_epoll_echo', 'tcp_epoll_echo'];
    const missing = need.filter((f) => !fs.existsSync(path.join(BIN, f)));
    b.available = missing.length === 0;
    b.reason = missing.length ? `not built: benchmarks/bin/${missing.join(', ')} (make -C benchmarks/c)` : '';
    if (b.available && b.id === 'c-xdp') {
      // Attach once for a second: proves the XDP/AF_XDP path works here and says in which mode.
      const r = sh('ip', ['netns', 'exec', topo.nsA, path.join(BIN, 'xsk_echo'), '-i', topo.ifA, '-p', '9000', '-t', '1'], { timeout: 15000 });
      const m = r.out.match(/^READY .*xdp_mode=(\S+).*zerocopy=(\d)/m);
      if (m) b.info = { xdp_mode: m[1] === 'drv' ? 'native (driver)' : 'generic (skb)', zerocopy: m[2] === '1' };
      else { b.available = false; b.reason = `AF_XDP reference cannot run here: ${r.out.trim().split('\n').slice(-2).join(' ').slice(0, 300)}`; }
    }
    return;
  }
  if (!fs.existsSync(REGISTER)) { b.available = false; b.reason = 'dist/register.js is missing (TypeScript not built)'; return; }
  const env = Object.entries(b.env).map(([k, v]) => `${k}=${v}`);
  const code = `try{const i=require(${JSON.stringify(path.join(DIST, 'index.js'))}).backend();console.log('PROBE '+JSON.stringify(i))}`
    + `catch(e){console.log('PROBEFAIL '+String(e&&e.message).split('\\n')[0]);process.exit(1)}`;
  const r = sh('ip', ['netns', 'exec', topo.nsA, 'env', ...env, 'node', '-e', code], { timeout: 20000 });
  const ok = r.out.match(/^PROBE (.*)$/m), fail = r.out.match(/^PROBEFAIL (.*)$/m);
  if (r.code === 0 && ok) {
    b.info = JSON.parse(ok[1]);
    b.available = b.info.name === b.env.RINGSOCK_BACKEND;
    b.reason = b.available ? '' : `probe chose ${b.info.name}: ${b.info.reason}`;
  } else {
    b.available = false;
    const why = fail ? fail[1] : (r.error ? r.error.message : r.out.trim().split('\n').slice(-2).join(' ') || `exit ${r.code}`);
    b.reason = `strict probe failed: ${why.slice(0, 300)}`;
  }
  if (b.available && b.busy && !busyPollKnown(b.env.RINGSOCK_BACKEND)) {
    b.available = false;
    b.reason = `RINGSOCK_BUSY_POLL is not implemented by the ${b.env.RINGSOCK_BACKEND} backend of this build (not read anywhere in its sources)`;
  }
}

/** argv prefix that runs a benchmark server file (in serversDir) on backend b. */
function nodeArgv(b, serversDir) {
  return b.kind === 'ringsock' ? ['node', '-r', REGISTER, '-r', path.join(serversDir, 'announce.js')] : ['node'];
}

module.exports = { list, probe, nodeArgv, BIN };
