'use strict';
// Preloaded after ringsock's register hook in benchmark servers: says on stderr which backend
// the server really runs on (RINGSOCK_STRICT=1 makes a fallback fatal instead).
const path = require('path');
try {
  const info = require(path.join(__dirname, '..', '..', 'dist', 'index.js')).backend();
  process.stderr.write(`RINGSOCK_BACKEND_INFO ${JSON.stringify(info)}\n`);
} catch (err) {
  process.stderr.write(`RINGSOCK_BACKEND_ERROR ${err && err.message}\n`);
  process.exit(78);
}
