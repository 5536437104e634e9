// ringsock/net for require() and CommonJS TypeScript: node:net itself, types and values,
// so `net.Server` names a type as it does through node:net (dist/net.d.ts, a const, cannot).
import net = require('node:net');
export = net;
