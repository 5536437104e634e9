'use strict';
// N sequential gRPC unary calls on one channel (@grpc/grpc-js on Node's own sockets), every
// reply checked; prints "RESULT tool=grpc_unary calls=N ok=K bad=B errors=E ms=T" where T runs
// from the channel's first connect to the last reply.
// usage: node grpc_unary.js --target 10.99.7.1:8083 --calls 1000 [--max-secs 30]
const grpc = require('@grpc/grpc-js');
const { arg } = require('../servers/common');
const { HELLO_SERVICE } = require('../servers/grpc_service');

const target = arg('target', '127.0.0.1:8083');
const calls = Number(arg('calls', '1000'));
const maxSecs = Number(arg('max-secs', '30'));

const Client = grpc.makeGenericClientConstructor(HELLO_SERVICE, 'Hello');
const client = new Client(target, grpc.credentials.createInsecure());
const say = (i) => new Promise((resolve) => {
  const req = Buffer.from(`call ${i}`);
  client.Say(req, { deadline: Date.now() + 5000 }, (err, reply) => resolve({ err, ok: !err && reply.toString() === `hello call ${i}` }));
});

setTimeout(() => { console.error(`grpc_unary: not done after ${maxSecs} s`); process.exit(2); }, maxSecs * 1000).unref();
(async () => {
  let ok = 0, bad = 0, errors = 0, firstErr = '';
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const r = await say(i);
    if (r.err) { errors++; firstErr ||= r.err.message; } else if (r.ok) ok++; else bad++;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  client.close();
  if (firstErr) console.error(`grpc_unary: first error: ${firstErr}`);
  console.log(`RESULT tool=grpc_unary calls=${calls} ok=${ok} bad=${bad} errors=${errors} ms=${ms.toFixed(1)}`);
})();
