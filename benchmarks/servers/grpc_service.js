'use strict';
// The gRPC row's one unary method, shared by its server (grpc_hello.js) and its client
// (../clients/grpc_unary.js): raw bytes as messages, no protobuf compiler.
const raw = (b) => b;
const HELLO_SERVICE = {
  Say: {
    path: '/ringsock.bench.Hello/Say', requestStream: false, responseStream: false,
    requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw,
  },
};
module.exports = { HELLO_SERVICE };
