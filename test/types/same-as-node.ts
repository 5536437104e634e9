// Compiles only if ringsock/dgram and ringsock/net are typed exactly as node:dgram and node:net:
// the package's types (types/*.d.ts) and what src/ compiles to (dist/*.d.ts).
import ringDgram = require('../../types/dgram');
import ringNet = require('../../types/net');
import builtDgram = require('../../dist/dgram');
import builtNet = require('../../dist/net');
import nodeDgram = require('node:dgram');
import nodeNet = require('node:net');

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const dgramSame: Same<typeof ringDgram, typeof nodeDgram> = true;
const netSame: Same<typeof ringNet, typeof nodeNet> = true;
const builtSame: [Same<typeof builtDgram, typeof nodeDgram>, Same<typeof builtNet, typeof nodeNet>] = [true, true];

// The modules are namespaces of types too (TS2503 if they were only values).
const typed: ringDgram.Socket = ringDgram.createSocket('udp4');
const typedServer: ringNet.Server = ringNet.createServer();

// User code written for Node type-checks unchanged against ringsock.
const socket: nodeDgram.Socket = ringDgram.createSocket({ type: 'udp6', reuseAddr: true });
socket.send(Buffer.from('x'), 53, '::1', (err: Error | null, bytes: number) => void [err, bytes]);
const server: nodeNet.Server = ringNet.createServer((c: nodeNet.Socket) => c.end());
export { dgramSame, netSame, builtSame, server, typed, typedServer };
