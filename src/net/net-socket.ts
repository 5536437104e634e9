// net.Socket on a TcpHandle (src/backends/types.ts). Read Node's lib/net.js (Socket) first:
// this file follows it function by function, with the handle's batch callbacks in place of
// libuv's per-request wraps (connecting is in net-connect.ts). Writes: one _writev per Writable flush, pinned by the handle
// until onwritedone; a write completes early (like libuv's synchronous write) while the bytes
// held by the handle stay under the high-water mark, so backpressure still reaches write().
import stream = require('node:stream');
import nodeNet = require('node:net');
import type { BackendImpl, SockAddr, TcpHandle } from '../backends/types';
import { errnoException, invalidArgType, invalidArgValue, nodeError, type ErrnoException } from './errors';
import { pipeHandle } from './tcp-libuv';
import { addChunk, newWrite } from './write-chunks';
import { blockListOption, netHasBlockList } from './block-lists';
import { afterConnect, lookupAndConnect } from './net-connect';
import { publishClientSocket } from './diagnostics';
import { kState, type PendingWrite, type State } from './socket-state';
import { deliverToUserBuffer, initSocketHandle, tryReadStart } from './stream-base';
import { finalWaitsOnlyWhileConnecting, netHasTypeOfService } from './node-features';
import { validateInt32 } from './validate';
import {
  normalizeArgs, normalizedArgs, timerDuration, validateFunction, validateNumber, type Callback, type Normalized,
} from './net-args';

const UV_ENOTCONN = -107;

const kImpl = Symbol('ringsock.impl');

export interface SocketOptions extends stream.DuplexOptions {
  handle?: TcpHandle;
  fd?: number;
  allowHalfOpen?: boolean;
  pauseOnCreate?: boolean;
  manualStart?: boolean;
  noDelay?: boolean;
  keepAlive?: boolean;
  keepAliveInitialDelay?: number;
  onread?: { buffer: Uint8Array | (() => Uint8Array); callback: Callback };
  signal?: AbortSignal;
  typeOfService?: number;
  readable?: boolean;
  writable?: boolean;
}

function chunkBytes(chunk: Buffer | string, encoding?: BufferEncoding): number {
  return typeof chunk === 'string' ? Buffer.byteLength(chunk, encoding) : chunk.length;
}

export class Socket extends stream.Duplex {
  /** The backend of sockets this class creates (set on the subclass makeSocketClass returns). */
  static [kImpl]: BackendImpl | null = null;

  declare connecting: boolean;
  declare _hadError: boolean;
  declare _handle: TcpHandle | null;
  declare _parent: Socket | null;
  declare _host: string | null;
  declare _peername: Partial<SockAddr> | null;
  declare _sockname: Partial<SockAddr> | null;
  declare _pendingData: unknown;
  declare _pendingEncoding: string;
  declare _closeAfterHandlingError: boolean;
  declare resetAndClosing: boolean;
  declare server: unknown;
  declare _server: any;
  declare timeout?: number;
  declare autoSelectFamilyAttemptedAddresses?: string[];
  /** Node >= 22.13's net.connect({ blockList }): destinations connect() refuses. */
  blockList: nodeNet.BlockList | undefined;
  declare [kState]: State;

  constructor(options?: SocketOptions | number) {
    if (typeof options === 'number') options = { fd: options };
    // fd and foreign handles (pipes, ttys, IPC) stay with Node's own net.Socket.
    const foreign = options?.handle && typeof (options.handle as any).writev === 'function'; // a libuv stream
    if (options && (options.fd !== undefined || foreign)) {
      return new nodeNet.Socket(options as nodeNet.SocketConstructorOpts) as unknown as Socket;
    }
    const opts: SocketOptions = { ...options };
    if ((opts as any).objectMode) {
      throw invalidArgValue('options.objectMode', (opts as any).objectMode, 'is not supported');
    } else if (opts.readableObjectMode || opts.writableObjectMode) {
      const name = opts.readableObjectMode ? 'readableObjectMode' : 'writableObjectMode';
      throw invalidArgValue(`options.${name}`, opts.readableObjectMode || opts.writableObjectMode, 'is not supported');
    }
    if (opts.keepAliveInitialDelay !== undefined) {
      validateNumber(opts.keepAliveInitialDelay, 'options.keepAliveInitialDelay');
      if (opts.keepAliveInitialDelay < 0) opts.keepAliveInitialDelay = 0;
    }
    opts.allowHalfOpen = Boolean(opts.allowHalfOpen);
    // The stream takes this same (copied) object, as in Node: a second spread per socket cost
    // slow-path property definitions on every accepted connection.
    // signal: handled below (connect-aware), not by the stream too: one abort listener, as Node.
    const signal = opts.signal;
    const streamOpts = opts as stream.DuplexOptions;
    streamOpts.signal = undefined;
    streamOpts.emitClose = false;
    streamOpts.autoDestroy = true;
    streamOpts.decodeStrings = false;
    super(streamOpts);
    this.connecting = false;
    this._hadError = false;
    this._handle = null;
    this._parent = null;
    this._host = null;
    this._peername = null;
    this._sockname = null;
    this._pendingData = null;
    this._pendingEncoding = '';
    this._closeAfterHandlingError = false;
    this.server = null;
    this.blockList = blockListOption(opts as Record<string, unknown>, 'blockList', netHasBlockList());
    this._server = null;
    const impl = (new.target as unknown as { [kImpl]: BackendImpl | null })[kImpl];
    if (!impl) throw new TypeError('ringsock: use the Socket class of a net module (createNetModule)');
    this[kState] = {
      impl, reading: false, timeout: null,
      noDelay: Boolean(opts.noDelay), keepAlive: Boolean(opts.keepAlive),
      keepAliveDelay: ~~((opts.keepAliveInitialDelay ?? 0) / 1000),
      bytesRead: 0, bytesWritten: 0, nextReq: 1, writes: new Map(), inflight: 0, afterWrites: [],
      onread: null, attempt: null, lastQueue: -1, onreadRest: null, onreadEof: false, unref: false,
      tos: undefined,
    };
    if (opts.typeOfService !== undefined && netHasTypeOfService()) {
      validateInt32(opts.typeOfService, 'options.typeOfService', 0, 255);
      this[kState].tos = opts.typeOfService;
    }
    const onread = opts.onread;
    if (onread && typeof onread === 'object' && typeof onread.callback === 'function' &&
        (onread.buffer instanceof Uint8Array || typeof onread.buffer === 'function')) {
      this[kState].onread = onread;
    }
    this.on('end', onReadableStreamEnd);
    if (opts.handle) {
      this._handle = opts.handle;
      initSocketHandle(this);
      if (opts.readable !== false) {
        if (opts.pauseOnCreate) {
          this[kState].reading = false;
          this._handle.readStop();
          (this as any).readableFlowing = false;
        } else if (!opts.manualStart) {
          this.read(0);
        }
      }
    }
    if (signal) addClientAbortSignalOption(this, signal);
  }

  // --- connect -----------------------------------------------------------------------
  connect(...args: unknown[]): this {
    const normalized: Normalized = Array.isArray(args[0]) && (args[0] as Normalized)[normalizedArgs]
      ? args[0] as Normalized : normalizeArgs(args);
    const [options, cb] = normalized;
    publishClientSocket(this, true);
    if (cb !== null) this.once('connect', cb);
    if (this._parent && this._parent.connecting) return this;
    if (options.port === undefined && options.path == null) {
      throw nodeError('ERR_MISSING_ARGS', 'The "options" or "port" or "path" argument must be specified', TypeError);
    }
    if (this.write !== Socket.prototype.write) this.write = Socket.prototype.write;
    if (this.destroyed) {  // a closed socket may connect again: the stream starts afresh
      this._handle = null;
      this._peername = null;
      this._sockname = null;
      (this as unknown as { _undestroy(): void })._undestroy();
      const st = this[kState];  // what belonged to the old connection (its handle counted bytes)
      st.reading = false;
      st.bytesRead = st.bytesWritten = st.inflight = 0;
      st.writes.clear();
      st.afterWrites = [];
      st.onreadRest = null;
      st.onreadEof = false;
    }
    this._unrefTimer();
    this.connecting = true;
    if (options.path != null) {
      // A Unix-domain path: libuv's pipe behind the same contract, connected as Node does.
      if (typeof options.path !== 'string') throw invalidArgType('options.path', 'of type string', options.path);
      const path: string = options.path;
      this._handle = pipeHandle();
      initSocketHandle(this);
      const err = this._handle.connect(path, 0);
      if (err < 0) {
        const ex = errnoException(err, 'connect', path);
        process.nextTick(() => this.destroy(ex));
      } else {
        this._handle.onconnect = (status) => afterConnect(this, status, path, 0);
      }
      return this;
    }
    if (!this._handle) {  // as Node, a handle from connect() on; its fd comes with the address
      this._handle = this[kState].impl.createTcp({});
      initSocketHandle(this);
    }
    lookupAndConnect(this, options);
    return this;
  }

  // --- reading -----------------------------------------------------------------------
  override _read(_n: number): void {
    if (this.connecting || !this._handle) {
      this.once('connect', () => this._read(_n));
    } else if (!this[kState].reading) {
      tryReadStart(this);
    }
  }

  override pause(): this {
    // With onread (no stream buffering) the handle itself must stop; otherwise Readable's
    // buffer fills and _read stops asking, which stops the handle through push() === false.
    const s = this[kState];
    if (s.onread && !this.connecting && this._handle && s.reading) {
      s.reading = false;
      if (!this.destroyed) {
        const err = this._handle.readStop();
        if (err) this.destroy(errnoException(err, 'read'));
      }
    }
    return super.pause();
  }

  override resume(): this {
    const s = this[kState];
    if (s.onread && !this.connecting && this._handle && !s.reading) {
      if (!s.onreadEof) tryReadStart(this);
      else s.reading = true;
      if (s.onreadRest) deliverToUserBuffer(this, Buffer.alloc(0));
    }
    return super.resume();
  }

  // --- writing -----------------------------------------------------------------------
  override _write(data: Buffer | string, encoding: BufferEncoding, cb: Callback): void {
    this._writeGeneric(false, data, encoding, cb);
  }

  override _writev(chunks: Array<{ chunk: any; encoding: BufferEncoding }>, cb: Callback): void {
    this._writeGeneric(true, chunks, '', cb);
  }

  _writeGeneric(writev: boolean, data: any, encoding: string, cb: Callback): void {
    if (this.connecting) {
      this._pendingData = data;
      this._pendingEncoding = encoding;
      const onClose = () => cb(nodeError('ERR_SOCKET_CLOSED_BEFORE_CONNECTION',
        'Socket closed before the connection was established'));
      this.once('connect', () => {
        this.off('close', onClose);
        this._writeGeneric(writev, data, encoding, cb);
      });
      this.once('close', onClose);
      return;
    }
    this._pendingData = null;
    this._pendingEncoding = '';
    const handle = this._handle;
    if (!handle) {
      cb(nodeError('ERR_SOCKET_CLOSED', 'Socket is closed'));
      return;
    }
    this._unrefTimer();
    const w = newWrite();
    if (writev) {
      for (const { chunk, encoding: enc } of data as Array<{ chunk: any; encoding: BufferEncoding }>) addChunk(w, chunk, enc);
    } else {
      addChunk(w, data, encoding);
    }
    const bytes = w.bytes;
    const s = this[kState];
    const reqId = s.nextReq;
    s.nextReq = s.nextReq >= 0x7fffffff ? 1 : s.nextReq + 1;
    const done = handle.write(w.chunks, reqId, this.writableHighWaterMark, w.latin1Mask);
    if (done < 0) {
      cb(errnoException(done, 'write'));
      return;
    }
    s.bytesWritten += bytes;
    if (done === 1) {
      cb();
      return;
    }
    s.inflight += bytes;
    s.writes.set(reqId, { bytes, cb });
  }

  override _final(cb: Callback): void {
    // Node >= 22 waits only while connecting: end(cb) on a socket that never connects calls cb.
    if (finalWaitsOnlyWhileConnecting() ? this.connecting : this.pending) {
      this.once('connect', () => this._final(cb));
      return;
    }
    const s = this[kState];
    // Shut down only after every queued write left: the FIN follows the data.
    if (s.writes.size > 0) {
      s.afterWrites.push(() => this._final(cb));
      return;
    }
    const handle = this._handle;
    if (!handle) {
      cb();
      return;
    }
    handle.onshutdown = (status) => {
      handle.onshutdown = null;
      if (status < 0 && status !== UV_ENOTCONN) cb(errnoException(status, 'shutdown'));
      else cb();
    };
    const err = handle.shutdown();
    if (err === 1 || err === UV_ENOTCONN) {
      handle.onshutdown = null;
      cb();
    } else if (err < 0) {
      handle.onshutdown = null;
      cb(errnoException(err, 'shutdown'));
    }
  }

  // --- teardown ----------------------------------------------------------------------
  override _destroy(exception: Error | null, cb: (err: Error | null) => void): void {
    this.connecting = false;
    for (let s: Socket | null = this; s !== null; s = s._parent) {
      if (s[kState].timeout) clearTimeout(s[kState].timeout);
    }
    const st = this[kState];
    if (st.attempt) clearTimeout(st.attempt);
    const handle = this._handle;
    if (handle) {
      const isException = !!exception;
      const reset = !!this.resetAndClosing;
      if (reset) this.resetAndClosing = false;
      handle.onread = null;
      handle.onconnect = null;
      handle.onshutdown = null;
      handle.onwritedone = null;
      // Writes the handle still held are gone with it; their callbacks learn it as in Node.
      const pending = [...st.writes.values()];
      st.writes.clear();
      st.inflight = 0;
      // Node emits 'close' from the handle's close callback, in the loop's close phase, so
      // listeners attached after 'end'/'error' still see it; and calls it through
      // `handle.close(cb)`, which code may wrap.
      const onClose = (): void => {
        for (const w of pending) w.cb?.(null);
        this.emit('close', isException);
      };
      if (reset) {
        const err = handle.reset(onClose);
        if (err) this.emit('error', errnoException(err, 'reset'));
      } else {
        handle.close(onClose);
      }
      this._handle = null;
      this._sockname = null;
      cb(exception);
    } else {
      cb(exception);
      process.nextTick(() => this.emit('close', false));
    }
    if (this._server) {
      this._server._connections--;
      if (this._server._emitCloseIfDrained) this._server._emitCloseIfDrained();
    }
  }

  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', this.destroy);
  }

  resetAndDestroy(): this {
    if (this._handle) {
      if (this.connecting) this.once('connect', () => this._reset());
      else this._reset();
    } else {
      this.destroy(nodeError('ERR_SOCKET_CLOSED', 'Socket is closed'));
    }
    return this;
  }

  _reset(): this {
    this.resetAndClosing = true;
    return this.destroy();
  }

  override end(...args: any[]): this {
    (stream.Duplex.prototype.end as any).apply(this, args);
    return this;
  }

  // --- options -----------------------------------------------------------------------
  setTimeout(msecs: number, callback?: Callback): this {
    if (this.destroyed) return this;
    this.timeout = msecs;
    msecs = timerDuration(msecs, 'msecs');
    const s = this[kState];
    if (s.timeout) clearTimeout(s.timeout);
    s.timeout = null;
    if (msecs === 0) {
      if (callback !== undefined) {
        validateFunction(callback, 'callback');
        this.removeListener('timeout', callback);
      }
    } else {
      s.timeout = setTimeout(() => this._onTimeout(), msecs);
      s.timeout.unref();
      if (callback !== undefined) {
        validateFunction(callback, 'callback');
        this.once('timeout', callback);
      }
    }
    return this;
  }

  _onTimeout(): void {
    const s = this[kState];
    // A write whose queue still shrinks is activity (Node compares writeQueueSize the same
    // way); a queue that did not move since the last check is a stalled peer: time out.
    const queued = this._handle ? this._handle.writeQueueSize() : 0;
    if (queued > 0) {
      if (queued !== s.lastQueue) {
        s.lastQueue = queued;
        this._unrefTimer();
        return;
      }
    }
    this.emit('timeout');
  }

  _unrefTimer(): void {
    for (let s: Socket | null = this; s !== null; s = s._parent) s[kState].timeout?.refresh();
  }

  setNoDelay(enable?: boolean): this {
    enable = Boolean(enable === undefined ? true : enable);
    const s = this[kState];
    if (!this._handle) {
      s.noDelay = enable;
      return this;
    }
    if (this._handle.setNoDelay && enable !== s.noDelay) {
      s.noDelay = enable;
      this._handle.setNoDelay(enable);
    }
    return this;
  }

  setKeepAlive(enable?: boolean, initialDelayMsecs?: number): this {
    enable = Boolean(enable);
    const initialDelay = ~~((initialDelayMsecs ?? 0) / 1000);
    const s = this[kState];
    if (!this._handle) {
      s.keepAlive = enable;
      s.keepAliveDelay = initialDelay;
      return this;
    }
    if (this._handle.setKeepAlive && (enable !== s.keepAlive || (enable && s.keepAliveDelay !== initialDelay))) {
      s.keepAlive = enable;
      s.keepAliveDelay = initialDelay;
      this._handle.setKeepAlive(enable, initialDelay);
    }
    return this;
  }

  // Remembered until the handle exists (connect() makes it), then applied to it.
  ref(): this {
    this[kState].unref = false;
    this._handle?.ref();
    return this;
  }

  unref(): this {
    this[kState].unref = true;
    this._handle?.unref();
    return this;
  }

  // --- addresses and counters ----------------------------------------------------------
  address(): Partial<SockAddr> {
    return this._getsockname();
  }

  _getsockname(): Partial<SockAddr> {
    if (!this._handle) return {};
    if (!this._sockname) {
      const out: Partial<SockAddr> = {};
      if (this._handle.getsockname(out) < 0) return {};
      this._sockname = out;
    }
    return this._sockname;
  }

  _getpeername(): Partial<SockAddr> {
    if (!this._handle || this.connecting) return this._peername || {};
    if (!this._peername) {
      const out: Partial<SockAddr> = {};
      if (this._handle.getpeername(out) < 0) return out;
      this._peername = out;
    }
    return this._peername;
  }

  get remoteAddress() { return this._getpeername().address; }
  get remoteFamily() { return this._getpeername().family; }
  get remotePort() { return this._getpeername().port; }
  get localAddress() { return this._getsockname().address; }
  get localPort() { return this._getsockname().port; }
  get localFamily() { return this._getsockname().family; }
  get bytesRead(): number { return this[kState].bytesRead; }
  get _bytesDispatched(): number { return this[kState].bytesWritten; }

  get bytesWritten(): number | undefined {
    if (!this[kState]) return undefined;  // read on the prototype (Node returns undefined)
    let bytes = this[kState].bytesWritten;
    const buffered = (this as any).writableBuffer as Array<{ chunk: any; encoding: BufferEncoding }> | undefined;
    if (!buffered) return undefined;
    for (const el of buffered) bytes += chunkBytes(el.chunk, el.encoding);
    const data = this._pendingData as any;
    if (Array.isArray(data)) {
      for (const el of data) bytes += chunkBytes(el.chunk ?? el, el.encoding);
    } else if (data) {
      bytes += chunkBytes(data, this._pendingEncoding as BufferEncoding);
    }
    return bytes;
  }

  get pending(): boolean { return !this._handle || this.connecting; }
  get _connecting(): boolean { return this.connecting; }

  get readyState(): string {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable && !this.writable) return 'readOnly';
    if (!this.readable && this.writable) return 'writeOnly';
    return 'closed';
  }

  get bufferSize(): number | undefined {
    return this._handle ? this.writableLength : undefined;
  }
}

function onReadableStreamEnd(this: Socket): void {
  if (!this.allowHalfOpen) (this as any).write = writeAfterFIN;
}

// A clearer error than 'write after end' when the other side's FIN closed the socket.
function writeAfterFIN(this: Socket, chunk: any, encoding?: any, cb?: Callback): boolean {
  if (!this.writableEnded) return stream.Duplex.prototype.write.call(this, chunk, encoding, cb);
  if (typeof encoding === 'function') cb = encoding;
  const er = new Error('This socket has been ended by the other party') as ErrnoException;
  er.code = 'EPIPE';
  if (typeof cb === 'function') process.nextTick(cb, er);
  this.destroy(er);
  return false;
}

function addClientAbortSignalOption(self: Socket, signal: AbortSignal): void {
  const onAbort = () => self.destroy(Object.assign(new Error('The operation was aborted'),
    { code: 'ABORT_ERR', name: 'AbortError', cause: signal.reason }));
  if (signal.aborted) process.nextTick(onAbort);
  else {
    signal.addEventListener('abort', onAbort, { once: true });
    self.once('close', () => signal.removeEventListener('abort', onAbort));
  }
}

// Node 24's socket.setTypeOfService / getTypeOfService, only where the running Node's
// net.Socket has them (Node 20/22 sockets have none).
function setTypeOfService(this: Socket, tos: unknown): Socket {
  if (Number.isNaN(tos)) throw invalidArgType('tos', 'of type number', tos);
  validateInt32(tos, 'tos', 0, 255);
  const s = this[kState];
  if (!this._handle || !this._handle.setTypeOfService) {
    s.tos = tos;
    return this;
  }
  if (tos !== s.tos) {
    s.tos = tos;
    const err = this._handle.setTypeOfService(tos);
    if (err) throw errnoException(err, 'setTypeOfService');
  }
  return this;
}

function getTypeOfService(this: Socket): number {
  const s = this[kState];
  if (!this._handle || !this._handle.getTypeOfService) return s.tos ?? 0;
  const res = this._handle.getTypeOfService();
  if (res < 0) throw errnoException(res, 'getTypeOfService');
  return res;
}

if (netHasTypeOfService()) {
  Object.defineProperties(Socket.prototype, {
    setTypeOfService: { value: setTypeOfService, writable: true, configurable: true },
    getTypeOfService: { value: getTypeOfService, writable: true, configurable: true },
  });
}

export function makeSocketClass(impl: BackendImpl): typeof Socket {
  return class RingsockSocket extends Socket {
    static override [kImpl]: BackendImpl | null = impl;
  };
}

export type SocketClass = typeof Socket;
export type RingSocket = Socket;
