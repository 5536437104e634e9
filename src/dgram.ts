// `ringsock/dgram`: node:dgram's API on the backend the registry chose.
// Typed exactly as node:dgram, so user code (and its types) need no change.
import nodeDgram = require('node:dgram');
import { current } from './backends/registry';
import { trackNodeSockets } from './backends/node-sockets';
import { createDgramModule } from './net/dgram';

const choice = current();
const dgram: typeof nodeDgram = choice.impl ? createDgramModule(choice.impl) : nodeDgram;
// The node backend hands out Node's own module: stats() follows its sockets from here on.
if (!choice.impl) trackNodeSockets();
export = dgram;
