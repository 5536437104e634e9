'use strict';
// gRPC unary hello over @grpc/grpc-js (plaintext: grpc-js serves it on node:http2's h2c server).
// usage: node grpc_hello.js --port 8083
// One method (grpc_service.js): the reply is "hello " + the request, so the client can check every reply.
const grpc = require('@grpc/grpc-js');
const { arg, ready, lifetime } = require('./common');
const { HELLO_SERVICE } = require('./grpc_service');

const HELLO = Buffer.from('hello ');
const server = new grpc.Server();
server.addService(HELLO_SERVICE, { Say: (call, cb) => cb(null, Buffer.concat([HELLO, call.request])) });
const port = Number(arg('port', '8083'));
server.bindAsync(`${arg('host', '0.0.0.0')}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => {
  if (err) {
    console.error(`grpc_hello: ${err.stack || err}`);
    process.exit(1);
  }
  ready(`grpc_hello port=${bound}`);
});
lifetime();
