// ringsock/dgram for require() and CommonJS TypeScript: node:dgram itself, types and values,
// so `dgram.Socket` names a type as it does through node:dgram (dist/dgram.d.ts, a const, cannot).
import dgram = require('node:dgram');
export = dgram;
