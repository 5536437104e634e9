// `ringsock/net`: node:net's API on the backend the registry chose.
// Typed exactly as node:net, so user code (and its types) need no change.
import nodeNet = require('node:net');
import { trackNodeSockets } from './backends/node-sockets';
import { current } from './backends/registry';
import { createNetModule } from './net/net';
import { installHttp, loadedByRegister } from './net/net-http';
import { selfTestImpl } from './net/tcp-libuv';

const choice = current();
// RINGSOCK_NET_LIBUV=1 (a test seam, node backend only) runs ringsock's net layer over libuv's
// TCP handles, so src/net is tested against Node's own behaviour without a ring.
const impl = choice.impl ?? (choice.name === 'node' && process.env.RINGSOCK_NET_LIBUV === '1' ? selfTestImpl() : null);
const net: typeof nodeNet = impl ? createNetModule(impl) : nodeNet;
// The node backend hands out Node's own module: stats() follows its sockets from here on.
if (!impl) trackNodeSockets();
if (impl && loadedByRegister()) installHttp(net);
export = net;
