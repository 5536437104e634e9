// ESM face of ringsock/net with node:net's named exports.
import { createRequire } from 'node:module';
const net = createRequire(import.meta.url)('../dist/net.js');
export default net;
export const {
  BlockList, SocketAddress, Server, Socket, Stream, connect, createConnection, createServer,
  getDefaultAutoSelectFamily, getDefaultAutoSelectFamilyAttemptTimeout, isIP, isIPv4, isIPv6,
  setDefaultAutoSelectFamily, setDefaultAutoSelectFamilyAttemptTimeout,
} = net;
