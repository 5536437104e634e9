// Helpers of test/net.test.js and test/peers.test.js (no tests here).
'use strict';
const { execFileSync } = require('node:child_process');
const { once } = require('node:events');
const crypto = require('node:crypto');

/** Resolves with the port once `server` listens; rejects on its first 'error'. */
function listen(server, ...args) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(...args, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

/** Rejects with `what` after `ms`, so a hang fails the test instead of stalling the run. */
function within(ms, what, promise) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

/** Resolves with the error `emitter` emits, rejects if it closes or finishes without one. */
function nextError(emitter) {
  return new Promise((resolve, reject) => {
    emitter.once('error', resolve);
    emitter.once('close', () => setImmediate(() => reject(new Error('closed without an error'))));
  });
}

/** Resolves with the 'close' arguments; unlike events.once it ignores 'error'. */
function closed(emitter) {
  return new Promise((resolve) => emitter.once('close', (...args) => resolve(args)));
}

/** Reads `socket` to its end; resolves with everything as one Buffer. */
async function readAll(socket) {
  const parts = [];
  socket.on('data', (d) => parts.push(Buffer.isBuffer(d) ? d : Buffer.from(d)));
  await once(socket, 'end');
  return Buffer.concat(parts);
}

/**
 * Deterministic data: block i of `blockSize` bytes is a fixed pseudo-random block with i
 * written at its start, so every block differs and a lost/duplicated/reordered one shows.
 */
function makeBlocks(blockSize, seed) {
  const base = Buffer.alloc(blockSize);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < blockSize; i += 4) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    base.writeUInt32LE(x, i);
  }
  return (i) => {
    const b = Buffer.from(base);
    b.writeUInt32LE(i, 0);
    b.writeUInt32LE(seed, 4);
    return b;
  };
}

/** Writes `count` blocks with backpressure, then ends; resolves with the sha256 of what it wrote. */
async function sendBlocks(socket, count, block) {
  const hash = crypto.createHash('sha256');
  for (let i = 0; i < count; i++) {
    const b = block(i);
    hash.update(b);
    if (!socket.write(b)) await once(socket, 'drain');
  }
  socket.end();
  return hash.digest('hex');
}

/** Hashes everything `socket` delivers until its end. */
async function hashAll(socket) {
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  socket.on('data', (d) => { bytes += d.length; hash.update(d); });
  await once(socket, 'end');
  return { hex: hash.digest('hex'), bytes };
}

/**
 * Socket options as the kernel holds them, read from the socket itself: the fd is
 * duplicated out of this process with pidfd_getfd(2) (root) and asked with getsockopt(2).
 */
function kernelSockopts(fd) {
  const py = `
import ctypes, os, socket, sys, json
libc = ctypes.CDLL(None, use_errno=True)
pidfd = os.pidfd_open(int(sys.argv[1]))
fd = libc.syscall(438, pidfd, int(sys.argv[2]), 0)
if fd < 0: raise OSError(ctypes.get_errno(), 'pidfd_getfd')
s = socket.socket(fileno=fd)
print(json.dumps({
  'nodelay': s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY),
  'keepalive': s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE),
  'keepidle': s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE)}))
s.detach(); os.close(fd)
`;
  return JSON.parse(execFileSync('python3', ['-c', py, String(process.pid), String(fd)], { encoding: 'utf8', timeout: 10_000 }));
}

/** Raises this process's open-file limit (root), for tests with thousands of sockets. */
function raiseNofile(n) {
  try {
    execFileSync('prlimit', [`--pid=${process.pid}`, `--nofile=${n}:${n}`], { timeout: 5000, stdio: 'ignore' });
  } catch { /* the test reports EMFILE itself if the limit stays too low */ }
}

module.exports = {
  listen, within, nextError, closed, readAll, makeBlocks, sendBlocks, hashAll, kernelSockopts, raiseNofile,
};
