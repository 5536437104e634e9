// node:dgram's public API over a backend's UdpHandle (src/backends/types.ts), in files of one
// idea each: dgram-socket.ts (the Socket class, as Node's lib/dgram.js), dgram-state.ts (its
// state, errors, request ids), dgram-handle.ts (the handle: bind, receive start, connect, buffer
// sizes), dgram-receive.ts (a batch to 'message' events), dgram-send.ts (send, its queue and
// completions). What changes against Node is below the handle: datagrams arrive in batches (one
// onmessages call per wake-up), sends are queued in the backend and leave in one batch, and IP
// literal destinations skip the asynchronous dns.lookup.
import util = require('node:util');
import type nodeDgram = require('node:dgram');
import type { BackendImpl } from '../backends/types';
import { errnoException } from './errors';
import type { LookupCallback } from './lookup';
import { Socket } from './dgram-socket';
import { UV_ENOTSUP } from './dgram-state';

export function createDgramModule(impl: BackendImpl): typeof nodeDgram {
  // The process has one dgram module (src/dgram.ts makes it for the backend the registry chose):
  // dgram.Socket is the class itself, so its prototype is the one Node's code and tests inspect.
  if (Socket.backend && Socket.backend !== impl) throw new Error('ringsock: a dgram module exists for another backend');
  Socket.backend = impl;

  function createSocket(type: unknown, listener?: (...args: unknown[]) => void): Socket {
    return new Socket(type, listener);
  }

  const mod = {
    _createSocketHandle: util.deprecate(() => {
      throw errnoException(UV_ENOTSUP, '_createSocketHandle');
    }, 'dgram._createSocketHandle() is deprecated', 'DEP0112'),
    createSocket,
    Socket,
  };
  return mod as unknown as typeof nodeDgram;
}

export type { LookupCallback };
