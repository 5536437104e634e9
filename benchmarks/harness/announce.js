'use strict';
// Preloaded after ringsock's register hook in the benchmark servers (copied next to them, so it
// sees modules exactly as they do). Says on stderr which backend runs (RINGSOCK_STRICT=1 makes a
// fallback fatal) and whether require('dgram') / require('net') really return ringsock's modules:
//   RINGSOCK_BACKEND_INFO {"name":"uring","reason":"…","modules":{"dgram":true,"net":false}}
const path = require('path');
const dist = process.env.RINGSOCK_BENCH_DIST;
try {
  const modules = {};
  for (const m of ['dgram', 'net']) {
    const got = require(m);
    const cached = require.cache[path.join(dist, `${m}.js`)];
    modules[m] = !!cached && cached.exports === got;
  }
  const info = require(path.join(dist, 'index.js')).backend();
  process.stderr.write(`RINGSOCK_BACKEND_INFO ${JSON.stringify({ ...info, modules })}\n`);
} catch (err) {
  process.stderr.write(`RINGSOCK_BACKEND_ERROR ${err && err.message}\n`);
  process.exit(78);
}
