// dgram.Socket (Node's lib/dgram.js, v20, side by side: the methods keep its names and order,
// each difference is marked "ringsock:"). Its handles come from the class's static `backend`,
// which createDgramModule (dgram.ts) sets once.
import dns = require('node:dns');
import EventEmitter = require('node:events');
import util = require('node:util');
import {
  UDP_IPV6ONLY, UDP_REUSEADDR, UDP_REUSEPORT, type BackendImpl, type SockAddr, type UdpHandle,
  type UdpType,
} from '../backends/types';
import { blockListOption, dgramHasBlockLists, ipBlocked, isBlocked } from './block-lists';
import { errnoException, invalidArgType, invalidArgValue } from './errors';
import { ipFamily } from './lookup';
import { dgramBindCbUsesErrorMonitor, dgramHasReusePort, dgramSkipsLookupForLiteral } from './node-features';
import { Resolver, type LookupFunction } from './lookup';
import {
  BUFFER_TYPES, guessHandleType, invalidFdType, isInt32, missingArgs, validateAbortSignal,
  validateFunction, validateNumber, validatePort, validateString, validateUint32,
} from './validate';
import {
  BIND_STATE_UNBOUND, BIND_STATE_BINDING, BIND_STATE_BOUND, CONNECT_STATE_DISCONNECTED,
  CONNECT_STATE_CONNECTING, CONNECT_STATE_CONNECTED, RECV_BUFFER, SEND_BUFFER, UV_EBADF, kStateSymbol,
  udpSocketChannel, errSocketBadType, errAlreadyBound, errIsConnected, errNotConnected, bytesOf,
  type SendCallback, type State,
} from './dgram-state';
import {
  healthCheck, nullHandleCall, hasSocket, fdCall, optString, isClusterWorker, bindThroughCluster,
  startListening, bufferSize, connectResolved,
} from './dgram-handle';
import { stopReceiving } from './dgram-receive';
import { sliceBuffer, fixBufferList, enqueue, doSend, socketCloseNT } from './dgram-send';

function newHandle(impl: BackendImpl, type: unknown, lookup: unknown): { handle: UdpHandle; resolver: Resolver } {
  if (lookup !== undefined) validateFunction(lookup, 'lookup');
  if (type !== 'udp4' && type !== 'udp6') throw errSocketBadType();
  const resolver = new Resolver(type === 'udp4' ? 4 : 6, (lookup as LookupFunction | undefined) ?? null,
    dns.lookup as unknown as LookupFunction, dgramSkipsLookupForLiteral());
  return { handle: impl.createUdp(type as UdpType, {}), resolver };
}

export class Socket extends EventEmitter {
  /** The backend its handles come from (set once by createDgramModule, dgram.ts). */
  static backend: BackendImpl | null = null;

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
    const impl = Socket.backend;
    if (!impl) throw new Error('ringsock: dgram.Socket has no backend (createDgramModule sets it)');
    const { handle, resolver } = newHandle(impl, type, lookup);
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

