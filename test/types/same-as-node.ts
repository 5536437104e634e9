// Compiles only if ringsock/dgram and ringsock/net are typed exactly as node:dgram and node:net.
import ringDgram = require('../../dist/dgram');
import ringNet = require('../../dist/net');
import nodeDgram = require('node:dgram');
import nodeNet = require('node:net');

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const dgramSame: Same<typeof ringDgram, typeof nodeDgram> = true;
const netSame: Same<typeof ringNet, typeof nodeNet> = true;

// User code written for Node type-checks unchanged against ringsock.
const socket: nodeDgram.Socket = ringDgram.createSocket({ type: 'udp6', reuseAddr: true });
socket.send(Buffer.from('x'), 53, '::1', (err: Error | null, bytes: number) => void [err, bytes]);
const server: nodeNet.Server = ringNet.createServer((c: nodeNet.Socket) => c.end());
export { dgramSame, netSame, server };
