'use strict';
// HTTP/2 hello over plain node:http2 without TLS (h2c, prior knowledge: h2load's http:// URLs).
// usage: node h2_hello.js --port 8082
const http2 = require('http2');
const { arg, ready, lifetime, HELLO: body } = require('./common');

const port = Number(arg('port', '8082'));
const server = http2.createServer();
server.on('stream', (stream) => {
  stream.on('error', () => stream.destroy());
  stream.respond({ ':status': 200, 'content-type': 'text/plain', 'content-length': body.length });
  stream.end(body);
});
server.on('error', (err) => { console.error(`h2_hello: ${err.stack || err}`); process.exit(1); });
server.listen({ port, host: arg('host', '0.0.0.0'), backlog: 4096 }, () => ready(`h2_hello port=${server.address().port}`));
lifetime();
