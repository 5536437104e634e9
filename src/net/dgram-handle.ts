// A dgram.Socket's handle: health checks, calls that need the socket libuv creates at bind, the
// bind through a cluster primary, the start of receiving, buffer sizes and connect.
import { type UdpHandle } from '../backends/types';
import { ipBlocked, isBlocked } from './block-lists';
import { errnoException } from './errors';
import { ipFamily } from './lookup';
import { NodeSystemError, uvContext } from './validate';
import {
  BIND_STATE_UNBOUND, BIND_STATE_BOUND, CONNECT_STATE_DISCONNECTED, CONNECT_STATE_CONNECTED, RECV_BUFFER,
  SEND_BUFFER, UV_EBADF, kStateSymbol, errNotRunning, errBadBufferSize,
} from './dgram-state';
import { makeOnMessages } from './dgram-receive';
import { afterSend } from './dgram-send';
import type { Socket } from './dgram-socket';

export function healthCheck(socket: Socket): void {
  // Error message from dgram_legacy.js.
  if (!socket[kStateSymbol].handle) throw errNotRunning();
}

/** Node reads these off a null handle after close: the same TypeError. */
export function nullHandleCall(socket: Socket, name: string): UdpHandle {
  const handle = socket[kStateSymbol].handle;
  if (!handle) throw new TypeError(`Cannot read properties of null (reading '${name}')`);
  return handle;
}

/** libuv creates the socket at bind, so before that every option fails with EBADF, as in Node. */
// As libuv's: a handle's calls answer EBADF until it has a socket, which bind() creates, and
// so do addMembership() and the source-specific joins of an unbound socket (libuv binds it
// to the wildcard, port 0: uv__udp_maybe_deferred_bind) while Node's bindState stays unbound.
export function hasSocket(socket: Socket): boolean {
  const handle = socket[kStateSymbol].handle;
  return socket[kStateSymbol].bindState === BIND_STATE_BOUND || (!!handle && handle.fd >= 0);
}

export function fdCall(socket: Socket, name: string, fn: (h: UdpHandle) => number): number {
  const handle = nullHandleCall(socket, name);
  return hasSocket(socket) ? fn(handle) : UV_EBADF;
}

export function optString(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

export function isClusterWorker(): boolean {
  return (require('node:cluster') as { isWorker: boolean }).isWorker;
}

/**
 * Node's bindServerHandle: in a cluster worker a socket bound without `exclusive` is the
 * primary's, shared by every worker binding the same address and port. The worker receives
 * it as a libuv handle; ringsock reads a duplicate of its fd and keeps the handle until close
 * (the primary keeps the port while any worker holds it).
 */
export function bindThroughCluster(socket: Socket, ip: string, port: number, flags: number): void {
  const state = socket[kStateSymbol];
  const cluster = require('node:cluster') as unknown as {
    _getServer(obj: unknown, options: object, cb: (err: number, handle: { fd: number; close(...a: unknown[]): void }) => void): void;
  };
  cluster._getServer(socket, { address: ip, port, addressType: socket.type, fd: -1, flags }, (err, shared) => {
    if (!err && !state.handle) {  // closed in the mean time
      shared.close();
      return;
    }
    const rc = err || state.handle!.open(shared.fd, true);
    if (rc) {
      if (!err) shared.close();
      state.bindState = BIND_STATE_UNBOUND;
      socket.emit('error', errnoException(rc, 'bind', ip, port));
      return;
    }
    // Cluster's disconnect closes the worker's handles: the socket goes with this one.
    const release = shared.close.bind(shared);  // tells the primary, closes the libuv handle
    const handle = state.handle;
    shared.close = (...args: unknown[]) => {
      state.clusterHandle = null;
      if (state.handle === handle) socket.close();
      return (release as (...a: unknown[]) => void)(...args);
    };
    state.clusterHandle = { close: release };
    startListening(socket);
  });
}

export function startListening(socket: Socket, deferListening = false): void {
  const state = socket[kStateSymbol];
  const handle = state.handle!;

  handle.onmessages = makeOnMessages(socket, handle);
  handle.onerror = (errno) => {
    if (state.handle === handle) socket.emit('error', errnoException(errno, 'recvmsg'));
  };
  handle.onsenddone = (reqIds, results) => afterSend(socket, reqIds, results);
  const err = handle.recvStart();
  state.receiving = true;
  state.bindState = BIND_STATE_BOUND;

  if (state.recvBufferSize) bufferSize(socket, state.recvBufferSize, RECV_BUFFER);
  if (state.sendBufferSize) bufferSize(socket, state.sendBufferSize, SEND_BUFFER);

  // ringsock: Node ignores a failing recvStart (libuv cannot fail there); a backend can.
  if (err) {
    socket.emit('error', errnoException(err, 'recvmsg'));
    return;
  }
  // bindSync's 'listening' is for a socket still open on the next tick (Node's emitListeningNT).
  if (deferListening) process.nextTick(() => { if (state.handle) socket.emit('listening'); });
  else socket.emit('listening');
}

/**
 * One call per backend wake-up with every datagram that arrived: one 'message' each,
 * synchronously, in order; stops if a listener closed the socket mid-batch.
 */

export function bufferSize(socket: Socket, size: unknown, buffer: boolean): number {
  if ((size as number) >>> 0 !== size) throw errBadBufferSize();
  const handle = nullHandleCall(socket, 'bufferSize');
  const ret = hasSocket(socket) ? handle.bufferSize(size, buffer) : UV_EBADF;
  if (ret < 0) {
    throw new NodeSystemError('ERR_SOCKET_BUFFER_SIZE', 'Could not get or set buffer size',
      uvContext(ret, buffer ? 'uv_recv_buffer_size' : 'uv_send_buffer_size'));
  }
  return ret;
}

export function connectResolved(socket: Socket, port: number, address: string, callback: unknown): void {
  const state = socket[kStateSymbol];
  if (callback) socket.once('connect', callback as () => void);
  state.resolver.lookup(address, (ex, ip) => doConnect(ex, socket, ip, address, port, callback));
}

export function doConnect(ex: Error | null, self: Socket, ip: string, address: string, port: number,
  callback: unknown): void {
  const state = self[kStateSymbol];
  if (!state.handle) return;

  if (!ex && isBlocked(state.sendBlockList, ip, ipFamily(ip))) ex = ipBlocked(ip);
  if (!ex) {
    const err = state.handle.connect(ip, port);
    if (err) ex = errnoException(err, 'connect', address, port);
  }

  if (ex) {
    state.connectState = CONNECT_STATE_DISCONNECTED;
    const error = ex;
    process.nextTick(() => {
      if (callback) {
        self.removeListener('connect', callback as () => void);
        (callback as (e: Error) => void)(error);
      } else {
        self.emit('error', error);
      }
    });
    return;
  }

  state.connectState = CONNECT_STATE_CONNECTED;
  process.nextTick(() => self.emit('connect'));
}

