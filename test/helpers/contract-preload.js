'use strict';
// `NODE_OPTIONS="-r ./test/helpers/contract-preload.js"`: dist/dgram.js becomes
// src/net/dgram.ts over libuv-contract.js (Node's libuv handle behind the backend contract),
// in this process and in every child that inherits NODE_OPTIONS. A way to test the TS layer
// alone; the real backends are tested with RINGSOCK_BACKEND=uring|xdp.
const path = require('node:path');
const Module = require('node:module');

const file = path.join(__dirname, '..', '..', 'dist', 'dgram.js');
const { createDgramModule } = require('../../dist/net/dgram.js');
const m = new Module(file, module);
m.filename = file;
m.loaded = true;
m.exports = createDgramModule(require('./libuv-contract.js'));
require.cache[file] = m;
globalThis.__ringsockContractLayer = 'libuv-contract';
