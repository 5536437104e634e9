'use strict';
// https keep-alive over ringsock sockets: an https.createServer echo under the register hook
// (as `node -r ringsock/register app.js` runs it) takes 1,000 sequential 256 KiB POSTs on one
// keep-alive connection, every body checked both ways. Node's TLS reads a ringsock socket
// through its JSStreamSocket, which completes writes a setImmediate later; reads that arrived
// with a write completion used to be delivered before it, so the http parser, paused while a
// response was still being written, was handed the next request (HPE_PAUSED, 'socket hang up').
// Runs once per backend (scripts/test.sh); the node backend checks the test itself.
const test = require('ava');
const { spawn, execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const { onLines } = require('./helpers/lines');

const root = path.join(__dirname, '..');
const REQUESTS = 1000;
const SIZE = 256 * 1024;

const serverJs = `
const https = require('https'), fs = require('fs');
const [key, cert] = process.argv.slice(1).map((f) => fs.readFileSync(f));
const srv = https.createServer({ key, cert }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => res.end(Buffer.concat(chunks)));
});
srv.on('clientError', (e) => console.log(JSON.stringify({ clientError: e.code || e.message })));
srv.listen(0, '127.0.0.1', () => console.log(JSON.stringify({
  port: srv.address().port, backend: require(${JSON.stringify(path.join(root, 'dist', 'index.js'))}).backend().name })));
`;

test('https keep-alive: 1,000 sequential 256 KiB POSTs on one connection, every body echoed intact', async (t) => {
  t.timeout(120_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringsock-https-'));
  const key = path.join(dir, 'key.pem'), cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
    '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const child = spawn(process.execPath, ['-r', path.join(root, 'dist', 'register.js'), '-e', serverJs, key, cert],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = [];
  onLines(child.stdout, (l) => lines.push(JSON.parse(l)));
  try {
    while (!lines.some((l) => l.port)) await new Promise((r) => setTimeout(r, 20));
    const { port, backend } = lines.find((l) => l.port);
    t.is(backend, process.env.RINGSOCK_BACKEND || 'uring');
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
    const sockets = new Set();
    let ok = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const body = crypto.randomBytes(SIZE);
      const got = await new Promise((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port, method: 'POST', agent }, (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        });
        req.on('socket', (s) => sockets.add(s));
        req.on('error', reject);
        // A request the server never answers (its parser stalled) fails the test, no hang.
        req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
        req.end(body);
      }).catch((err) => err);
      if (!(got instanceof Buffer) || !got.equals(body)) {
        t.fail(`request ${i}: ${got instanceof Buffer ? `${got.length} bytes, not the body` : got.message}`);
        break;
      }
      ok++;
    }
    agent.destroy();
    t.is(ok, REQUESTS);
    t.is(sockets.size, 1, 'one keep-alive connection');
    t.deepEqual(lines.filter((l) => l.clientError), [], 'the server saw no client error');
  } finally {
    child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
