'use strict';
// HTTPS hello over plain node:https, keep-alive (Node's default): http_hello.js behind TLS.
// usage: node https_hello.js --port 8443 --key key.pem --cert cert.pem
// The harness makes the self-signed key and certificate for the run (harness/tls-cert.js).
const fs = require('fs');
const https = require('https');
const { arg, ready, lifetime, HELLO: body } = require('./common');

const port = Number(arg('port', '8443'));
const server = https.createServer({ key: fs.readFileSync(arg('key')), cert: fs.readFileSync(arg('cert')) }, (req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 30000;
server.on('error', (err) => { console.error(`https_hello: ${err.stack || err}`); process.exit(1); });
server.listen({ port, host: arg('host', '0.0.0.0'), backlog: 4096 }, () => ready(`https_hello port=${server.address().port}`));
lifetime();
