// `ringsock/dgram`: node:dgram's API on the backend the registry chose.
// Typed exactly as node:dgram, so user code (and its types) need no change.
import nodeDgram = require('node:dgram');
import { current } from './backends/registry';
import { createDgramModule } from './net/dgram';

const choice = current();
const dgram: typeof nodeDgram = choice.impl ? createDgramModule(choice.impl) : nodeDgram;
export = dgram;
