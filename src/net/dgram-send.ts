// The send side of a dgram.Socket: the datagram's bytes from send()'s arguments, the queue of
// sends made before bind, one send to the handle, its completion, and ECANCELED at close.
import EventEmitter = require('node:events');
import { ipBlocked, isBlocked } from './block-lists';
import { errnoException, invalidArgType } from './errors';
import { ipFamily } from './lookup';
import { BUFFER_TYPES, bufferOutOfBounds } from './validate';
import { UV_ECANCELED, kStateSymbol, newReqId, bytesOf, type SendCallback, type State } from './dgram-state';
import type { Socket } from './dgram-socket';

export function sliceBuffer(buffer: unknown, offset: unknown, length: unknown): Uint8Array {
  let view: ArrayBufferView;
  if (typeof buffer === 'string') {
    view = Buffer.from(buffer);
  } else if (!ArrayBuffer.isView(buffer)) {
    throw invalidArgType('buffer', BUFFER_TYPES, buffer);
  } else {
    view = buffer;
  }

  const off = (offset as number) >>> 0;
  const len = (length as number) >>> 0;
  if (off > view.byteLength) throw bufferOutOfBounds('offset');
  if (off + len > view.byteLength) throw bufferOutOfBounds('length');

  return Buffer.from(view.buffer, view.byteOffset + off, len);
}

export function fixBufferList(list: unknown[]): Uint8Array[] | null {
  const newlist = new Array<Uint8Array>(list.length);
  for (let i = 0, l = list.length; i < l; i++) {
    const buf = list[i];
    if (typeof buf === 'string') newlist[i] = Buffer.from(buf);
    else if (!ArrayBuffer.isView(buf)) return null;
    else newlist[i] = bytesOf(buf);
  }
  return newlist;
}

export function enqueue(self: Socket, toEnqueue: () => void): void {
  const state = self[kStateSymbol];
  // If the send queue hasn't been initialized yet, do it, and install an
  // event handler that flushes the send queue after binding is done.
  if (state.queue === undefined) {
    state.queue = [];
    self.once(EventEmitter.errorMonitor, onListenError);
    self.once('listening', onListenSuccess);
  }
  state.queue.push(toEnqueue);
}

export function onListenSuccess(this: Socket): void {
  this.removeListener(EventEmitter.errorMonitor, onListenError);
  clearQueue(this);
}

export function onListenError(this: Socket): void {
  this.removeListener('listening', onListenSuccess);
  this[kStateSymbol].queue = undefined;
}

export function clearQueue(self: Socket): void {
  const state = self[kStateSymbol];
  const queue = state.queue!;
  state.queue = undefined;
  // Flush the send queue.
  for (const queueEntry of queue) queueEntry();
}

export function doSend(ex: Error | null, self: Socket, ip: string | null, list: Uint8Array[],
  address: string | undefined, port: number, callback: SendCallback | undefined): void {
  const state = self[kStateSymbol];

  if (ex) {
    if (typeof callback === 'function') {
      process.nextTick(callback, ex);
      return;
    }
    const error = ex;
    process.nextTick(() => self.emit('error', error));
    return;
  } else if (!state.handle) {
    return;
  }

  if (ip && isBlocked(state.sendBlockList, ip, ipFamily(ip))) {
    if (callback) process.nextTick(callback, ipBlocked(ip));
    return;
  }

  const reqId = callback ? newReqId() : 0;
  const err = port ? state.handle.send(list, ip, port, reqId) : state.handle.send(list, null, 0, reqId);

  if (err < 0) {
    // Don't emit as error, dgram_legacy.js compatibility
    if (callback) process.nextTick(callback, errnoException(err, 'send', address, port));
    return;
  }
  if (callback) {
    state.pending.set(reqId, { callback, address, port });
    if (state.sentNow.push(reqId) === 1) process.nextTick(clearSentNow, state);
  }
}

export function clearSentNow(state: State): void {
  state.sentNow.length = 0;
}

export function afterSend(self: Socket, reqIds: Int32Array, results: Int32Array, start = 0): void {
  const pending = self[kStateSymbol].pending;
  let i = start;
  try {
    for (; i < reqIds.length; i++) {
      const req = pending.get(reqIds[i]);
      if (!req) continue;
      pending.delete(reqIds[i]);
      const r = results[i];
      if (r < 0) req.callback(errnoException(r, 'send', req.address, req.port));
      else req.callback(null, r);
    }
  } catch (err) {
    // As for messages: a callback that throws must not swallow the other completions.
    if (i + 1 < reqIds.length) process.nextTick(afterSend, self, reqIds, results, i + 1);
    throw err;
  }
}


export function socketCloseNT(self: Socket): void {
  self.emit('close');
  // ringsock: like libuv's uv_udp_close, sends still queued at close report ECANCELED.
  const pending = self[kStateSymbol].pending;
  if (pending.size === 0) return;
  const reqs = [...pending.values()];
  pending.clear();
  for (const req of reqs) req.callback(errnoException(UV_ECANCELED, 'send', req.address, req.port));
}

