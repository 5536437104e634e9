'use strict';
// A small dgram + net + http app, run under `-r ./dist/register.js` by test/limits.test.js with a
// resource limit (memlock 64 KiB, io_uring_enter denied): UDP echo, TCP echo and an http GET on
// 127.0.0.1, every reply checked. Prints `ok <backend>` and exits 0, or exits 1 naming what
// failed. Every step has a bounded wait, so a socket that never completes ends as a failure.
const dgram = require('node:dgram');
const net = require('node:net');
const http = require('node:http');

const STEP_MS = 3000;

function within(what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${STEP_MS} ms`)), STEP_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function udpEcho() {
  return new Promise((resolve, reject) => {
    const server = dgram.createSocket('udp4');
    const client = dgram.createSocket('udp4');
    const done = (err, value) => { server.close(); client.close(); err ? reject(err) : resolve(value); };
    server.on('error', done);
    client.on('error', done);
    server.on('message', (msg, rinfo) => server.send(msg, rinfo.port, rinfo.address));
    client.on('message', (msg) => done(null, msg.toString()));
    server.bind(0, '127.0.0.1', () => client.send('udp-ping', server.address().port, '127.0.0.1'));
  });
}

function tcpEcho() {
  return new Promise((resolve, reject) => {
    const server = net.createServer((c) => c.pipe(c));
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const c = net.connect(server.address().port, '127.0.0.1', () => c.end('tcp-ping'));
      let got = '';
      c.setEncoding('utf8');
      c.on('data', (d) => { got += d; });
      c.on('error', (err) => { server.close(); reject(err); });
      c.on('end', () => { server.close(); resolve(got); });
    });
  });
}

function httpGet() {
  return new Promise((resolve, reject) => {
    const server = http.createServer((req, res) => res.end(`http-${req.url}`));
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      http.get({ host: '127.0.0.1', port: server.address().port, path: '/ping', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => { body += d; });
        res.on('end', () => { server.close(); resolve(body); });
      }).on('error', (err) => { server.close(); reject(err); });
    });
  });
}

async function main() {
  const checks = [['udp echo', udpEcho, 'udp-ping'], ['tcp echo', tcpEcho, 'tcp-ping'], ['http get', httpGet, 'http-/ping']];
  for (const [what, run, want] of checks) {
    const got = await within(what, run());
    if (got !== want) throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
  process.stdout.write(`ok ${require('../../dist/index.js').backend().name}\n`);
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`limits-app failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
