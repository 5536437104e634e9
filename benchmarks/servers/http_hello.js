'use strict';
// HTTP hello over plain node:http, keep-alive (Node's default).
// usage: node http_hello.js --port 8080
const http = require('http');
const { arg, ready, lifetime, HELLO: body } = require('./common');

const port = Number(arg('port', '8080'));
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 30000;
server.on('error', (err) => { console.error(`http_hello: ${err.stack || err}`); process.exit(1); });
server.listen({ port, host: arg('host', '0.0.0.0'), backlog: 4096 }, () => ready(`http_hello port=${server.address().port}`));
lifetime();
