// The same modules through require() in CommonJS TypeScript: `dgram.Socket` and `net.Server`
// are types of ringsock/dgram and ringsock/net (TS2503 before types/*.d.ts).
import dgram = require('ringsock/dgram');
import net = require('ringsock/net');

const socket: dgram.Socket = dgram.createSocket('udp4');
const server: net.Server = net.createServer();
socket.close();
server.close();
console.log('cjs types ok');
