// The handle side of a ringsock net.Socket, as Node's lib/internal/stream_base_commons.js is
// for its own: reads from `_onread` into the stream (or a user's `onread` buffer), write
// completions, read start. Imports the Socket class as a type only, so net-socket.ts and
// net-connect.ts both use it without an import circle.
import { UV_EOF, type OnRead } from '../backends/types';
import { errnoException } from './errors';
import { adoptOnread } from './handle-onread';
import { kState } from './socket-state';
import type { Socket } from './net-socket';

// Node's http client asks `socket._handle.getAsyncId()` for async_hooks' trigger id; a backend
// handle has none, and `undefined` makes Node use the default trigger, as for a JS stream.
function noAsyncId(): undefined {
  return undefined;
}

export function initSocketHandle(self: Socket): void {
  const handle = self._handle!;
  if (typeof (handle as any).getAsyncId !== 'function') (handle as any).getAsyncId = noAsyncId;
  if (self[kState].unref) handle.unref();
  self._sockname = null;
  const own: OnRead = (nread, data, shared) => {
    if (shared && data) {  // the backend's area: keep a copy (pooled below 4 KiB, as Node's reads)
      const copy = Buffer.allocUnsafe(nread);
      data.copy(copy, 0, 0, nread);
      data = copy;
    }
    onStreamRead(self, nread, data);
  };
  adoptOnread(handle, self, own);
  handle.onwritedone = (reqIds, results) => onWriteDone(self, reqIds, results);
}

export function tryReadStart(self: Socket): void {
  self[kState].reading = true;
  const err = self._handle!.readStart();
  if (err < 0) self.destroy(errnoException(err, 'read'));
}

function onStreamRead(self: Socket, nread: number, data: Buffer | null): void {
  const s = self[kState];
  if (nread > 0 && data) {
    s.bytesRead += nread;
    self._unrefTimer();
    if (s.onread) {
      deliverToUserBuffer(self, data);
      return;
    }
    if (!self.push(data) && self._handle && s.reading) {
      s.reading = false;
      const err = self._handle.readStop();
      if (err < 0) self.destroy(errnoException(err, 'read'));
    }
    return;
  }
  if (nread === 0) return;
  if (nread !== UV_EOF) {
    self.destroy(errnoException(nread, 'read'));
    return;
  }
  if (s.onread) {
    s.reading = false;
    // libuv asked for a buffer for the read that found the end too (Node's tests count it).
    if (typeof s.onread.buffer === 'function') s.onread.buffer();
    if (s.onreadRest) {
      s.onreadEof = true; // 'end' after the bytes still held for a paused onread
      return;
    }
  }
  self.push(null);
  self.read(0);
}

// options.onread: bytes are copied into the caller's buffer; callback returning false pauses.
export function deliverToUserBuffer(self: Socket, data: Buffer): void {
  const s = self[kState];
  if (s.onreadRest) {
    // Bytes that came after the callback asked to pause wait for resume(), in order.
    data = data.length ? Buffer.concat([s.onreadRest, data]) : s.onreadRest;
    s.onreadRest = null;
  }
  let off = 0;
  while (off < data.length && s.onread) {
    if (!s.reading) {
      s.onreadRest = data.subarray(off);
      return;
    }
    const target = typeof s.onread.buffer === 'function' ? s.onread.buffer() : s.onread.buffer;
    const n = Math.min(target.byteLength, data.length - off);
    data.copy(target, 0, off, off + n);
    off += n;
    if ((s.onread.callback as (...a: unknown[]) => unknown).call(self, n, target) === false) {
      if (self._handle && s.reading) {
        s.reading = false;
        self._handle.readStop();
      }
    }
  }
  if (s.onreadEof && !s.onreadRest) {
    s.onreadEof = false;
    self.push(null);
    self.read(0);
  }
}

function onWriteDone(self: Socket, reqIds: Int32Array, results: Int32Array): void {
  const s = self[kState];
  for (let i = 0; i < reqIds.length; i++) {
    if (reqIds[i] === 0) {  // writes reported done at write() failed later: the socket fails
      if (!self.destroyed) {
        self.destroy(errnoException(results[i], 'write'));
        return;
      }
      continue;
    }
    const w = s.writes.get(reqIds[i]);
    if (!w) continue;
    s.writes.delete(reqIds[i]);
    s.inflight -= w.bytes;
    if (self.destroyed) {
      w.cb?.(null);
      continue;
    }
    if (results[i] < 0) {
      const ex = errnoException(results[i], 'write');
      if (w.cb) w.cb(ex);
      else self.destroy(ex);
      return;
    }
    self._unrefTimer();
    w.cb?.();
  }
  // The write that got no early completion must finish before the queue counts as drained.
  if (s.writes.size === 0 && s.afterWrites.length) {
    const after = s.afterWrites.splice(0);
    for (const f of after) f();
  }
}

