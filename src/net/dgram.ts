// node:dgram's public API over a backend's UdpHandle (src/backends/types.ts).
// Read Node's lib/dgram.js (v20) side by side: the functions keep its names and order, and
// each difference is marked "ringsock:". What changes is below the handle: datagrams arrive in
// batches (one onmessages call per wake-up), sends are queued in the backend and leave in one
// batch, and IP literal destinations skip the asynchronous dns.lookup.
import dc = require('node:diagnostics_channel');
import dns = require('node:dns');
import EventEmitter = require('node:events');
import util = require('node:util');
import type nodeDgram = require('node:dgram');
import {
  MSG_META_INTS, UDP_IPV6ONLY, UDP_REUSEADDR, UDP_REUSEPORT,
  type BackendImpl, type OnMessages, type SockAddr, type UdpHandle, type UdpType,
} from '../backends/types';
import { blockListOption, dgramHasBlockLists, ipBlocked, isBlocked } from './block-lists';
import { NodeError, errnoException, invalidArgType, invalidArgValue } from './errors';
import { ipFamily } from './lookup';
import { dgramBindCbUsesErrorMonitor, dgramHasReusePort, dgramSkipsLookupForLiteral } from './node-features';
import { Resolver, type LookupCallback, type LookupFunction } from './lookup';
import {
  BUFFER_TYPES, NodeSystemError, bufferOutOfBounds, guessHandleType, invalidFdType, isInt32, missingArgs,
  uvContext, validateAbortSignal, validateFunction, validateNumber, validatePort, validateString,
  validateUint32,
} from './validate';

const BIND_STATE_UNBOUND = 0;
const BIND_STATE_BINDING = 1;
const BIND_STATE_BOUND = 2;

const CONNECT_STATE_DISCONNECTED = 0;
const CONNECT_STATE_CONNECTING = 1;
const CONNECT_STATE_CONNECTED = 2;

const RECV_BUFFER = true;
const SEND_BUFFER = false;

const UV_EBADF = -9;
const UV_ECANCELED = -125;
const UV_ENOTSUP = -95;

const kStateSymbol = Symbol('state symbol');
const udpSocketChannel = dc.channel('udp.socket');

type SendCallback = (error: Error | null, bytes?: number) => void;

interface PendingSend {
  callback: SendCallback;
  address: string | undefined;
  port: number;
}

interface State {
  handle: UdpHandle | null;
  resolver: Resolver;
  receiving: boolean;
  bindState: number;
  connectState: number;
  queue: (() => void)[] | undefined;
  reuseAddr: boolean | undefined;
  /** Node >= 22.12's reusePort (SO_REUSEPORT); undefined where the running Node has none. */
  reusePort: boolean | undefined;
  ipv6Only: boolean | undefined;
  recvBufferSize: number | undefined;
  sendBufferSize: number | undefined;
  receiveBlockList: import('node:net').BlockList | undefined;
  sendBlockList: import('node:net').BlockList | undefined;
  /** ringsock: send callbacks by reqId until the backend's onsenddone reports them. */
  pending: Map<number, PendingSend>;
  /** ringsock: reqIds of sends made in the current synchronous run (cleared on the next tick). */
  sentNow: number[];
  /** ringsock: in a cluster worker, the primary's shared handle (its fd is read through a dup). */
  clusterHandle: { close(): void } | null;
}

const errSocketBadType = () =>
  new NodeError('ERR_SOCKET_BAD_TYPE', 'Bad socket type specified. Valid types are: udp4, udp6', TypeError);
const errAlreadyBound = () => new NodeError('ERR_SOCKET_ALREADY_BOUND', 'Socket is already bound');
const errIsConnected = () => new NodeError('ERR_SOCKET_DGRAM_IS_CONNECTED', 'Already connected');
const errNotConnected = () => new NodeError('ERR_SOCKET_DGRAM_NOT_CONNECTED', 'Not connected');
const errNotRunning = () => new NodeError('ERR_SOCKET_DGRAM_NOT_RUNNING', 'Not running');
const errBadBufferSize = () =>
  new NodeError('ERR_SOCKET_BAD_BUFFER_SIZE', 'Buffer size must be a positive integer', TypeError);

/** Send request ids, shared by every socket of this module instance; 0 means "no completion". */
let nextReqId = 1;
function newReqId(): number {
  const id = nextReqId;
  nextReqId = nextReqId >= 0x7fffffff ? 1 : nextReqId + 1;
  return id;
}

/** The bytes of any ArrayBufferView as the Uint8Array the backend contract takes. */
function bytesOf(view: ArrayBufferView): Uint8Array {
  return view instanceof Uint8Array ? view : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

export function createDgramModule(impl: BackendImpl): typeof nodeDgram {
  function newHandle(type: unknown, lookup: unknown): { handle: UdpHandle; resolver: Resolver } {
    if (lookup !== undefined) validateFunction(lookup, 'lookup');
    if (type !== 'udp4' && type !== 'udp6') throw errSocketBadType();
    const resolver = new Resolver(type === 'udp4' ? 4 : 6, (lookup as LookupFunction | undefined) ?? null,
      dns.lookup as unknown as LookupFunction, dgramSkipsLookupForLiteral());
    return { handle: impl.createUdp(type as UdpType, {}), resolver };
  }

  class Socket extends EventEmitter {
    type: UdpType;
    [kStateSymbol]: State;

    constructor(type: unknown, listener?: (...args: unknown[]) => void) {
      super();
      let lookup: unknown;
      let recvBufferSize: number | undefined;
      let sendBufferSize: number | undefined;
      let options: Record<string, unknown> | undefined;
      if (type !== null && typeof type === 'object') {
        options = type as Record<string, unknown>;
        type = options.type;
        lookup = options.lookup;
        if (options.recvBufferSize) validateUint32(options.recvBufferSize, 'options.recvBufferSize');
        if (options.sendBufferSize) validateUint32(options.sendBufferSize, 'options.sendBufferSize');
        recvBufferSize = options.recvBufferSize as number | undefined;
        sendBufferSize = options.sendBufferSize as number | undefined;
      }

      const receiveBlockList = options && blockListOption(options, 'receiveBlockList', dgramHasBlockLists());
      const sendBlockList = options && blockListOption(options, 'sendBlockList', dgramHasBlockLists());
      const { handle, resolver } = newHandle(type, lookup);
      this.type = type as UdpType;

      if (typeof listener === 'function') this.on('message', listener);

      this[kStateSymbol] = {
        handle,
        resolver,
        receiving: false,
        bindState: BIND_STATE_UNBOUND,
        connectState: CONNECT_STATE_DISCONNECTED,
        queue: undefined,
        reuseAddr: options && (options.reuseAddr as boolean | undefined),
        reusePort: options && dgramHasReusePort() ? options.reusePort as boolean | undefined : undefined,
        ipv6Only: options && (options.ipv6Only as boolean | undefined),
        recvBufferSize,
        sendBufferSize,
        receiveBlockList,
        sendBlockList,
        pending: new Map(),
        sentNow: [],
        clusterHandle: null,
      };

      if (options?.signal !== undefined) {
        const signal = options.signal as AbortSignal;
        validateAbortSignal(signal, 'options.signal');
        const onAborted = () => {
          if (this[kStateSymbol].handle) this.close();
        };
        if (signal.aborted) {
          onAborted();
        } else {
          signal.addEventListener('abort', onAborted, { once: true });
          this.once('close', () => signal.removeEventListener('abort', onAborted));
        }
      }
      if (udpSocketChannel.hasSubscribers) udpSocketChannel.publish({ socket: this });
    }

    bind(port_?: unknown, address_?: unknown, ..._rest: unknown[]): this {
      let port = port_;

      healthCheck(this);
      const state = this[kStateSymbol];

      if (state.bindState !== BIND_STATE_UNBOUND) throw errAlreadyBound();

      state.bindState = BIND_STATE_BINDING;

      const cb = arguments.length && arguments[arguments.length - 1];
      if (typeof cb === 'function') {
        // Node 24 listens with errorMonitor: a bind error with no 'error' listener is thrown.
        const onError = dgramBindCbUsesErrorMonitor() ? EventEmitter.errorMonitor : 'error';
        const removeListeners = () => {
          this.removeListener(onError, removeListeners);
          this.removeListener('listening', onListening);
        };
        const onListening = () => {
          removeListeners();
          cb.call(this);
        };
        this.on(onError, removeListeners);
        this.on('listening', onListening);
      }

      // Open an existing fd instead of creating a new one.
      if (port !== null && typeof port === 'object' &&
          isInt32((port as { fd?: unknown }).fd) && ((port as { fd: number }).fd) > 0) {
        const fd = (port as { fd: number }).fd;
        const type = guessHandleType(fd);
        if (type !== 'UDP') {
          state.bindState = BIND_STATE_UNBOUND;
          throw invalidFdType(type);
        }
        const err = state.handle!.open(fd);
        if (err) {
          state.bindState = BIND_STATE_UNBOUND;
          throw errnoException(err, 'open');
        }
        startListening(this);
        return this;
      }

      let address: string;
      let exclusive = false;
      if (port !== null && typeof port === 'object') {
        const opts = port as { port?: unknown; address?: string; exclusive?: unknown };
        address = opts.address || '';
        exclusive = !!opts.exclusive;
        port = opts.port;
      } else {
        address = typeof address_ === 'function' ? '' : address_ as string;
      }

      // Defaulting address for bind to all interfaces
      if (!address) address = this.type === 'udp4' ? '0.0.0.0' : '::';

      // Resolve address first
      state.resolver.lookup(address, (err, ip) => {
        if (!state.handle) return; // Handle has been closed in the mean time

        if (err) {
          state.bindState = BIND_STATE_UNBOUND;
          this.emit('error', err);
          return;
        }

        let flags = 0;
        if (state.reuseAddr) flags |= UDP_REUSEADDR;
        if (state.ipv6Only) flags |= UDP_IPV6ONLY;
        if (state.reusePort) {  // as Node: a socket of its own, never the cluster's shared one
          exclusive = true;
          flags |= UDP_REUSEPORT;
        }

        // Node converts the port with ToUint32 and libuv keeps its low 16 bits: no range check.
        const portNum = (Number(port) >>> 0) & 0xffff;
        if (!exclusive && isClusterWorker()) {
          bindThroughCluster(this, ip, portNum, flags);
          return;
        }
        const rc = state.handle.bind(ip, portNum, flags);
        if (rc) {
          const ex = errnoException(rc, 'bind', ip, port as number);
          state.bindState = BIND_STATE_UNBOUND;
          this.emit('error', ex);
          return;
        }

        startListening(this);
      });

      return this;
    }

    /** Node 24's synchronous bind: numeric addresses only; 'listening' on the next tick. */
    bindSync(options: unknown = {}): SockAddr {
      healthCheck(this);
      if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
      const state = this[kStateSymbol];
      if (state.bindState !== BIND_STATE_UNBOUND) throw errAlreadyBound();
      const opts = options as { port?: unknown; address?: unknown };
      const port = validatePort(opts.port ?? 0, 'options.port');
      let address = opts.address as string | undefined;
      if (!address) {
        address = this.type === 'udp4' ? '0.0.0.0' : '::';
      } else {
        validateString(address, 'options.address');
        if (!ipFamily(address)) {
          throw invalidArgValue('options.address', address, 'must be a numeric IP address; bindSync does not perform DNS resolution');
        }
      }
      state.bindState = BIND_STATE_BINDING;
      let flags = 0;
      if (state.reuseAddr) flags |= UDP_REUSEADDR;
      if (state.ipv6Only) flags |= UDP_IPV6ONLY;
      if (state.reusePort) flags |= UDP_REUSEPORT;
      const err = state.handle!.bind(address, port, flags);
      if (err) {
        state.bindState = BIND_STATE_UNBOUND;
        throw errnoException(err, 'bind', address, port);
      }
      startListening(this, true);
      return this.address();
    }

    /** Node 24's synchronous connect: numeric addresses only; 'connect' on the next tick. */
    connectSync(port: unknown, address?: unknown): void {
      healthCheck(this);
      const p = validatePort(port, 'Port', false);
      const state = this[kStateSymbol];
      if (state.connectState !== CONNECT_STATE_DISCONNECTED) throw errIsConnected();
      let addr: string;
      if (address == null || address === '') {
        addr = this.type === 'udp4' ? '127.0.0.1' : '::1';
      } else {
        validateString(address, 'address');
        if (!ipFamily(address)) {
          throw invalidArgValue('address', address, 'must be a numeric IP address; connectSync does not perform DNS resolution');
        }
        addr = address;
      }
      if (state.bindState === BIND_STATE_UNBOUND) this.bindSync();
      else if (state.bindState !== BIND_STATE_BOUND) throw errAlreadyBound();
      if (isBlocked(state.sendBlockList, addr, ipFamily(addr))) throw ipBlocked(addr);
      const err = state.handle!.connect(addr, p);
      if (err) {
        state.connectState = CONNECT_STATE_DISCONNECTED;
        throw errnoException(err, 'connect', addr, p);
      }
      state.connectState = CONNECT_STATE_CONNECTED;
      process.nextTick(() => this.emit('connect'));
    }

    connect(port: unknown, address?: unknown, callback?: unknown): void {
      port = validatePort(port, 'Port', false);
      if (typeof address === 'function') {
        callback = address;
        address = '';
      } else if (address === undefined) {
        address = '';
      }

      validateString(address, 'address');

      const state = this[kStateSymbol];

      if (state.connectState !== CONNECT_STATE_DISCONNECTED) throw errIsConnected();

      state.connectState = CONNECT_STATE_CONNECTING;
      if (state.bindState === BIND_STATE_UNBOUND) this.bind({ port: 0, exclusive: true }, null);

      if (state.bindState !== BIND_STATE_BOUND) {
        enqueue(this, () => connectResolved(this, port as number, address as string, callback));
        return;
      }

      connectResolved(this, port as number, address, callback);
    }

    disconnect(): void {
      const state = this[kStateSymbol];
      if (state.connectState !== CONNECT_STATE_CONNECTED) throw errNotConnected();

      const err = state.handle!.disconnect();
      if (err) throw errnoException(err, 'connect');
      state.connectState = CONNECT_STATE_DISCONNECTED;
    }

    // Thin wrapper around `send`, here for compatibility with dgram_legacy.js
    sendto(buffer: unknown, offset: unknown, length: unknown, port: unknown, address: unknown,
      callback?: unknown): void {
      validateNumber(offset, 'offset');
      validateNumber(length, 'length');
      validateNumber(port, 'port');
      validateString(address, 'address');
      this.send(buffer, offset, length, port, address, callback);
    }

    // valid combinations
    // For connectionless sockets
    // send(buffer, offset, length, port, address, callback)
    // send(buffer, offset, length, port, address)
    // send(buffer, offset, length, port, callback)
    // send(buffer, offset, length, port)
    // send(bufferOrList, port, address, callback)
    // send(bufferOrList, port, address)
    // send(bufferOrList, port, callback)
    // send(bufferOrList, port)
    // For connected sockets
    // send(buffer, offset, length, callback)
    // send(buffer, offset, length)
    // send(bufferOrList, callback)
    // send(bufferOrList)
    send(buffer: unknown, offset?: unknown, length?: unknown, port?: unknown, address?: unknown,
      callback?: unknown): void {
      let list: Uint8Array[] | null;
      const state = this[kStateSymbol];
      const connected = state.connectState === CONNECT_STATE_CONNECTED;
      if (!connected) {
        if (address || (port && typeof port !== 'function')) {
          buffer = sliceBuffer(buffer, offset, length);
        } else {
          callback = port;
          port = offset;
          address = length;
        }
      } else {
        if (typeof length === 'number') {
          buffer = sliceBuffer(buffer, offset, length);
          if (typeof port === 'function') {
            callback = port;
            port = null;
          }
        } else {
          callback = offset;
        }

        if (port || address) throw errIsConnected();
      }

      if (!Array.isArray(buffer)) {
        if (typeof buffer === 'string') {
          list = [Buffer.from(buffer)];
        } else if (!ArrayBuffer.isView(buffer)) {
          throw invalidArgType('buffer', BUFFER_TYPES, buffer);
        } else {
          list = [bytesOf(buffer)];
        }
      } else if (!(list = fixBufferList(buffer))) {
        throw invalidArgType('buffer list arguments', BUFFER_TYPES, buffer);
      }

      if (!connected) port = validatePort(port, 'Port', false);

      // Normalize callback so it's either a function or undefined but not anything else.
      if (typeof callback !== 'function') callback = undefined;

      if (typeof address === 'function') {
        callback = address;
        address = undefined;
      } else if (address != null) {
        validateString(address, 'address');
      }

      healthCheck(this);

      if (state.bindState === BIND_STATE_UNBOUND) this.bind({ port: 0, exclusive: true }, null);

      if (list.length === 0) list.push(Buffer.alloc(0));

      // If the socket hasn't been bound yet, push the outbound packet onto the
      // send queue and send after binding is complete.
      if (state.bindState !== BIND_STATE_BOUND) {
        const l = list;
        enqueue(this, () => this.send(l, port, address, callback));
        return;
      }

      if (connected) {
        doSend(null, this, null, list, address as undefined, port as number, callback as SendCallback);
        return;
      }
      // ringsock: IP literals are sent now, without a dns.lookup round trip per datagram.
      const ip = state.resolver.literal(address as string | undefined);
      if (ip !== null) {
        doSend(null, this, ip, list, address as string | undefined, port as number, callback as SendCallback);
        return;
      }
      const l = list;
      state.resolver.lookup(address as string | undefined, (ex, ip) => {
        doSend(ex, this, ip, l, address as string | undefined, port as number, callback as SendCallback);
      });
    }

    close(callback?: unknown): this {
      const state = this[kStateSymbol];
      const queue = state.queue;

      if (typeof callback === 'function') this.on('close', callback as () => void);

      if (queue !== undefined) {
        queue.push(() => this.close());
        return this;
      }

      healthCheck(this);
      stopReceiving(this);
      const handle = state.handle!;
      handle.onmessages = null;
      handle.onerror = null;
      handle.onsenddone = null;
      handle.close();
      state.handle = null;
      state.clusterHandle?.close();
      state.clusterHandle = null;
      // Sends made in this same synchronous run get no callback at all: in Node they still wait
      // for their (asynchronous) address lookup, and then find the socket closed.
      for (const id of state.sentNow) state.pending.delete(id);
      process.nextTick(socketCloseNT, this);

      return this;
    }

    async [Symbol.asyncDispose](): Promise<void> {
      if (!this[kStateSymbol].handle) return;
      await new Promise<void>((resolve) => this.close(resolve));
    }

    address(): SockAddr {
      healthCheck(this);
      const out: Partial<SockAddr> = {};
      const err = hasSocket(this) ? this[kStateSymbol].handle!.getsockname(out) : UV_EBADF;
      if (err) throw errnoException(err, 'getsockname');
      return out as SockAddr;
    }

    remoteAddress(): SockAddr {
      healthCheck(this);
      const state = this[kStateSymbol];
      if (state.connectState !== CONNECT_STATE_CONNECTED) throw errNotConnected();
      const out: Partial<SockAddr> = {};
      const err = state.handle!.getpeername(out);
      if (err) throw errnoException(err, 'getpeername');
      return out as SockAddr;
    }

    setBroadcast(arg: unknown): void {
      const err = fdCall(this, 'setBroadcast', (h) => h.setBroadcast(!!arg));
      if (err) throw errnoException(err, 'setBroadcast');
    }

    setTTL(ttl: unknown): number {
      validateNumber(ttl, 'ttl');
      const err = fdCall(this, 'setTTL', (h) => h.setTTL(ttl));
      if (err) throw errnoException(err, 'setTTL');
      return ttl;
    }

    setMulticastTTL(ttl: unknown): number {
      validateNumber(ttl, 'ttl');
      const err = fdCall(this, 'setMulticastTTL', (h) => h.setMulticastTTL(ttl));
      if (err) throw errnoException(err, 'setMulticastTTL');
      return ttl;
    }

    setMulticastLoopback(arg: unknown): unknown {
      const err = fdCall(this, 'setMulticastLoopback', (h) => h.setMulticastLoopback(!!arg));
      if (err) throw errnoException(err, 'setMulticastLoopback');
      return arg; // 0.4 compatibility
    }

    setMulticastInterface(interfaceAddress: unknown): void {
      healthCheck(this);
      validateString(interfaceAddress, 'interfaceAddress');
      const err = fdCall(this, 'setMulticastInterface', (h) => h.setMulticastInterface(interfaceAddress));
      if (err) throw errnoException(err, 'setMulticastInterface');
    }

    addMembership(multicastAddress: unknown, interfaceAddress?: unknown): void {
      healthCheck(this);
      if (!multicastAddress) throw missingArgs('multicastAddress');
      // libuv binds a socket for memberships before bind(): no EBADF gate here.
      const handle = nullHandleCall(this, 'addMembership');
      const err = handle.addMembership(String(multicastAddress), optString(interfaceAddress));
      if (err) throw errnoException(err, 'addMembership');
    }

    dropMembership(multicastAddress: unknown, interfaceAddress?: unknown): void {
      healthCheck(this);
      if (!multicastAddress) throw missingArgs('multicastAddress');
      // libuv binds a socket for memberships before bind(): no EBADF gate here.
      const handle = nullHandleCall(this, 'dropMembership');
      const err = handle.dropMembership(String(multicastAddress), optString(interfaceAddress));
      if (err) throw errnoException(err, 'dropMembership');
    }

    addSourceSpecificMembership(sourceAddress: unknown, groupAddress: unknown, interfaceAddress?: unknown): void {
      healthCheck(this);
      validateString(sourceAddress, 'sourceAddress');
      validateString(groupAddress, 'groupAddress');
      // libuv binds a socket for memberships before bind(): no EBADF gate here.
      const handle = nullHandleCall(this, 'addSourceSpecificMembership');
      const err = handle.addSourceSpecificMembership(sourceAddress, groupAddress, optString(interfaceAddress));
      if (err) throw errnoException(err, 'addSourceSpecificMembership');
    }

    dropSourceSpecificMembership(sourceAddress: unknown, groupAddress: unknown, interfaceAddress?: unknown): void {
      healthCheck(this);
      validateString(sourceAddress, 'sourceAddress');
      validateString(groupAddress, 'groupAddress');
      // libuv binds a socket for memberships before bind(): no EBADF gate here.
      const handle = nullHandleCall(this, 'dropSourceSpecificMembership');
      const err = handle.dropSourceSpecificMembership(sourceAddress, groupAddress, optString(interfaceAddress));
      if (err) throw errnoException(err, 'dropSourceSpecificMembership');
    }

    ref(): this {
      const handle = this[kStateSymbol].handle;
      if (handle) handle.ref();
      return this;
    }

    unref(): this {
      const handle = this[kStateSymbol].handle;
      if (handle) handle.unref();
      return this;
    }

    setRecvBufferSize(size: unknown): void {
      bufferSize(this, size, RECV_BUFFER);
    }

    setSendBufferSize(size: unknown): void {
      bufferSize(this, size, SEND_BUFFER);
    }

    getRecvBufferSize(): number {
      return bufferSize(this, 0, RECV_BUFFER);
    }

    getSendBufferSize(): number {
      return bufferSize(this, 0, SEND_BUFFER);
    }

    getSendQueueSize(): number {
      return nullHandleCall(this, 'getSendQueueSize').getSendQueueSize();
    }

    getSendQueueCount(): number {
      return nullHandleCall(this, 'getSendQueueCount').getSendQueueCount();
    }
  }

  function healthCheck(socket: Socket): void {
    // Error message from dgram_legacy.js.
    if (!socket[kStateSymbol].handle) throw errNotRunning();
  }

  /** Node reads these off a null handle after close: the same TypeError. */
  function nullHandleCall(socket: Socket, name: string): UdpHandle {
    const handle = socket[kStateSymbol].handle;
    if (!handle) throw new TypeError(`Cannot read properties of null (reading '${name}')`);
    return handle;
  }

  /** libuv creates the socket at bind, so before that every option fails with EBADF, as in Node. */
  // As libuv's: a handle's calls answer EBADF until it has a socket, which bind() creates, and
  // so do addMembership() and the source-specific joins of an unbound socket (libuv binds it
  // to the wildcard, port 0: uv__udp_maybe_deferred_bind) while Node's bindState stays unbound.
  function hasSocket(socket: Socket): boolean {
    const handle = socket[kStateSymbol].handle;
    return socket[kStateSymbol].bindState === BIND_STATE_BOUND || (!!handle && handle.fd >= 0);
  }

  function fdCall(socket: Socket, name: string, fn: (h: UdpHandle) => number): number {
    const handle = nullHandleCall(socket, name);
    return hasSocket(socket) ? fn(handle) : UV_EBADF;
  }

  function optString(value: unknown): string | undefined {
    return value === undefined || value === null ? undefined : String(value);
  }

  function isClusterWorker(): boolean {
    return (require('node:cluster') as { isWorker: boolean }).isWorker;
  }

  /**
   * Node's bindServerHandle: in a cluster worker a socket bound without `exclusive` is the
   * primary's, shared by every worker binding the same address and port. The worker receives
   * it as a libuv handle; ringsock reads a duplicate of its fd and keeps the handle until close
   * (the primary keeps the port while any worker holds it).
   */
  function bindThroughCluster(socket: Socket, ip: string, port: number, flags: number): void {
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

  function startListening(socket: Socket, deferListening = false): void {
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
  function makeOnMessages(socket: Socket, handle: UdpHandle): OnMessages {
    const state = socket[kStateSymbol];
    const family = socket.type === 'udp4' ? 'IPv4' : 'IPv6';
    const lowerFamily = socket.type === 'udp4' ? 'ipv4' as const : 'ipv6' as const;
    // Emits messages start..end of a batch the application owns (copied out of the area).
    const emitAll = (data: Buffer, meta: Int32Array, start: number, end: number, addrs: string | string[]): void => {
      let i = start;
      try {
        for (; i < end && state.handle === handle; i += MSG_META_INTS) {
          const offset = meta[i];
          const size = meta[i + 1];
          const address = typeof addrs === 'string' ? addrs : addrs[meta[i + 3]];
          if (state.receiveBlockList?.check(address, lowerFamily)) continue;
          // A batch of one is its own Buffer: no second view to make.
          const msg = size === data.length ? data : data.subarray(offset, offset + size);
          socket.emit('message', msg, { address, family, port: meta[i + 2], size });
        }
      } catch (err) {
        // Node emits each datagram from its own callback: a listener that throws loses only
        // its own message (if an uncaughtException handler lets the process go on).
        const next = i + MSG_META_INTS;
        if (next < end) process.nextTick(emitAll, data, meta.slice(next, end), 0, end - next, addrs);
        throw err;
      }
    };
    return (area, bytes, meta, ints, addrs) => {
      // One copy per batch into memory the messages own (pooled for small batches, as Node's
      // Buffer.allocUnsafe does); each message is a view of it.
      const data = Buffer.allocUnsafe(bytes);
      area.copy(data, 0, 0, bytes);
      emitAll(data, meta, 0, ints, addrs);
    };
  }

  function bufferSize(socket: Socket, size: unknown, buffer: boolean): number {
    if ((size as number) >>> 0 !== size) throw errBadBufferSize();
    const handle = nullHandleCall(socket, 'bufferSize');
    const ret = hasSocket(socket) ? handle.bufferSize(size, buffer) : UV_EBADF;
    if (ret < 0) {
      throw new NodeSystemError('ERR_SOCKET_BUFFER_SIZE', 'Could not get or set buffer size',
        uvContext(ret, buffer ? 'uv_recv_buffer_size' : 'uv_send_buffer_size'));
    }
    return ret;
  }

  function connectResolved(socket: Socket, port: number, address: string, callback: unknown): void {
    const state = socket[kStateSymbol];
    if (callback) socket.once('connect', callback as () => void);
    state.resolver.lookup(address, (ex, ip) => doConnect(ex, socket, ip, address, port, callback));
  }

  function doConnect(ex: Error | null, self: Socket, ip: string, address: string, port: number,
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

  function sliceBuffer(buffer: unknown, offset: unknown, length: unknown): Uint8Array {
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

  function fixBufferList(list: unknown[]): Uint8Array[] | null {
    const newlist = new Array<Uint8Array>(list.length);
    for (let i = 0, l = list.length; i < l; i++) {
      const buf = list[i];
      if (typeof buf === 'string') newlist[i] = Buffer.from(buf);
      else if (!ArrayBuffer.isView(buf)) return null;
      else newlist[i] = bytesOf(buf);
    }
    return newlist;
  }

  function enqueue(self: Socket, toEnqueue: () => void): void {
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

  function onListenSuccess(this: Socket): void {
    this.removeListener(EventEmitter.errorMonitor, onListenError);
    clearQueue(this);
  }

  function onListenError(this: Socket): void {
    this.removeListener('listening', onListenSuccess);
    this[kStateSymbol].queue = undefined;
  }

  function clearQueue(self: Socket): void {
    const state = self[kStateSymbol];
    const queue = state.queue!;
    state.queue = undefined;
    // Flush the send queue.
    for (const queueEntry of queue) queueEntry();
  }

  function doSend(ex: Error | null, self: Socket, ip: string | null, list: Uint8Array[],
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

  function clearSentNow(state: State): void {
    state.sentNow.length = 0;
  }

  function afterSend(self: Socket, reqIds: Int32Array, results: Int32Array, start = 0): void {
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

  function stopReceiving(socket: Socket): void {
    const state = socket[kStateSymbol];
    if (!state.receiving) return;
    state.handle!.recvStop();
    state.receiving = false;
  }

  function socketCloseNT(self: Socket): void {
    self.emit('close');
    // ringsock: like libuv's uv_udp_close, sends still queued at close report ECANCELED.
    const pending = self[kStateSymbol].pending;
    if (pending.size === 0) return;
    const reqs = [...pending.values()];
    pending.clear();
    for (const req of reqs) req.callback(errnoException(UV_ECANCELED, 'send', req.address, req.port));
  }

  // Deprecated private APIs (DEP0112), kept because old code still reads them.
  const priv: [string, keyof State][] = [['_handle', 'handle'], ['_receiving', 'receiving'],
    ['_bindState', 'bindState'], ['_queue', 'queue'], ['_reuseAddr', 'reuseAddr']];
  for (const [name, key] of priv) {
    Object.defineProperty(Socket.prototype, name, {
      get: util.deprecate(function get(this: Socket) {
        return this[kStateSymbol][key];
      }, `Socket.prototype.${name} is deprecated`, 'DEP0112'),
      set: util.deprecate(function set(this: Socket, val: unknown) {
        (this[kStateSymbol] as unknown as Record<string, unknown>)[key] = val;
      }, `Socket.prototype.${name} is deprecated`, 'DEP0112'),
    });
  }
  Object.defineProperty(Socket.prototype, '_healthCheck', {
    value: util.deprecate(function _healthCheck(this: Socket) {
      healthCheck(this);
    }, 'Socket.prototype._healthCheck() is deprecated', 'DEP0112'),
    writable: true, configurable: true,
  });
  Object.defineProperty(Socket.prototype, '_stopReceiving', {
    value: util.deprecate(function _stopReceiving(this: Socket) {
      stopReceiving(this);
    }, 'Socket.prototype._stopReceiving() is deprecated', 'DEP0112'),
    writable: true, configurable: true,
  });

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
