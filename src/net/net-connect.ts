// Client connect of net.Socket (lib/net.js lookupAndConnect, internalConnect,
// internalConnectMultiple, afterConnect): DNS through dns.lookup or options.lookup, the local
// bind, and RFC 8305-style family auto-selection, one fresh TcpHandle per attempt.
import { ipBlocked, isBlocked } from './block-lists';
import dns = require('node:dns');
import nodeNet = require('node:net');
import type { SockAddr } from '../backends/types';
import { errnoException, invalidArgType, nodeError, type ErrnoException } from './errors';
import { netValidatesHost } from './node-features';
import {
  checkLocalAddress, familyOf, invalidAddressFamily, invalidIpAddress, validateBoolean, validateFunction, validateNumber, validatePort,
} from './net-args';
import type { Socket } from './net-socket';
import { kState } from './socket-state';
import { initSocketHandle } from './stream-base';
import { validateInt32 } from './validate';

const DEFAULT_IPV4_ADDR = '0.0.0.0';
const UV_EBADF = -9;
const DEFAULT_IPV6_ADDR = '::';

export function lookupAndConnect(self: Socket, options: Record<string, any>): void {
  const { localAddress, localPort } = options;
  const host: string = options.host || 'localhost';
  let { port } = options;
  if (typeof host !== 'string' && netValidatesHost()) throw invalidArgType('options.host', 'of type string', host);
  checkLocalAddress(localAddress);
  if (localPort) validateNumber(localPort, 'options.localPort');
  if (port !== undefined) {
    if (typeof port !== 'number' && typeof port !== 'string') {
      throw nodeError('ERR_INVALID_ARG_TYPE',
        `The "options.port" property must be one of type number or string.${port === null ? ' Received null' : ''}`, TypeError);
    }
    validatePort(port);
  }
  port |= 0;
  let autoSelectFamily = options.autoSelectFamily;
  if (autoSelectFamily != null) validateBoolean(autoSelectFamily, 'options.autoSelectFamily');
  else autoSelectFamily = nodeNet.getDefaultAutoSelectFamily();
  let attemptTimeout = options.autoSelectFamilyAttemptTimeout;
  if (attemptTimeout != null) {
    validateInt32(attemptTimeout, 'options.autoSelectFamilyAttemptTimeout', 1);
    if (attemptTimeout < 10) attemptTimeout = 10;
  } else {
    attemptTimeout = nodeNet.getDefaultAutoSelectFamilyAttemptTimeout();
  }

  // A non-string host (Node 20) goes to dns.lookup, which rejects it as Node 20 does; its
  // libuv connect would abort the process on an array that reads as an IP.
  const addressType = typeof host === 'string' ? nodeNet.isIP(host) : 0;
  if (addressType) {
    process.nextTick(() => {
      if (self.connecting) internalConnect(self, host, port, addressType as 4 | 6, localAddress, localPort);
    });
    return;
  }
  if (options.lookup != null) validateFunction(options.lookup, 'options.lookup');
  let family = options.family;
  if (family === 'IPv4') family = 4;
  if (family === 'IPv6') family = 6;
  const dnsopts: dns.LookupOptions = { family, hints: options.hints || 0 };
  if (family !== 4 && family !== 6 && dnsopts.hints === 0) dnsopts.hints = dns.ADDRCONFIG;
  self._host = host;
  const lookup: typeof dns.lookup = options.lookup || dns.lookup;

  if (family !== 4 && family !== 6 && !localAddress && autoSelectFamily) {
    (lookup as any)(host, { ...dnsopts, all: true }, (err: ErrnoException | null, addresses: dns.LookupAddress[]) => {
      if (!self.connecting) return;
      if (err) {
        self.emit('lookup', err, undefined, undefined, host);
        process.nextTick(connectErrorNT, self, err);
        return;
      }
      // Alternate families, starting with the family of the first answer (RFC 8305).
      const groups: dns.LookupAddress[][] = [[], []];
      let first: number | null = null;
      const seen = new Set<string>();
      for (const a of addresses) {
        self.emit('lookup', null, a.address, a.family, host);
        if (!self.connecting) return;
        if (typeof a.address !== 'string' || !nodeNet.isIP(a.address) || (a.family !== 4 && a.family !== 6) ||
          seen.has(a.address)) continue;
        seen.add(a.address);
        if (first === null) first = a.family;
        groups[a.family === first ? 0 : 1].push(a);
      }
      const ordered: dns.LookupAddress[] = [];
      for (let i = 0; i < Math.max(groups[0].length, groups[1].length); i++) {
        if (groups[0][i]) ordered.push(groups[0][i]);
        if (groups[1][i]) ordered.push(groups[1][i]);
      }
      if (ordered.length === 0) {  // as Node: the first answer says what was wrong
        const a = addresses[0];
        const ex = a && typeof a.address === 'string' && nodeNet.isIP(a.address)
          ? invalidAddressFamily(a.family, options.host, options.port) : invalidIpAddress(a?.address);
        process.nextTick(connectErrorNT, self, ex);
        return;
      }
      if (ordered.length === 1) {
        internalConnect(self, ordered[0].address, port, ordered[0].family as 4 | 6, localAddress, localPort);
        return;
      }
      self.autoSelectFamilyAttemptedAddresses = [];
      connectMultiple(self, ordered, port, localPort, attemptTimeout, 0, []);
    });
    return;
  }

  (lookup as any)(host, dnsopts, (err: ErrnoException | null, ip: string, type: number) => {
    self.emit('lookup', err, ip, type, host);
    if (!self.connecting) return;
    if (err) process.nextTick(connectErrorNT, self, err);
    else if (typeof ip !== 'string' || !nodeNet.isIP(ip)) process.nextTick(connectErrorNT, self, invalidIpAddress(ip));
    else if (type !== 4 && type !== 6) {
      process.nextTick(connectErrorNT, self, invalidAddressFamily(type, options.host, options.port));
    } else {
      self._unrefTimer();
      internalConnect(self, ip, port, type, localAddress, localPort);
    }
  });
}

function connectErrorNT(self: Socket, err: Error): void {
  self.destroy(err);
}

/**
 * Bind (when asked) and connect the socket's handle; returns the error to report, or null. As
 * Node, the handle is the socket's own: connect() made it, or an earlier connect() still in
 * progress on it, which then answers EALREADY (connectMultiple gives later attempts new ones).
 */
function startAttempt(self: Socket, address: string, port: number, addressType: 4 | 6,
  localAddress: string | undefined, localPort: number | undefined): Error | null {
  const st = self[kState];
  let handle = self._handle;
  if (!handle) {
    handle = st.impl.createTcp({ family: addressType });
    self._handle = handle;
    initSocketHandle(self);
  }
  if (localAddress || localPort) {
    const local = localAddress || (addressType === 4 ? DEFAULT_IPV4_ADDR : DEFAULT_IPV6_ADDR);
    let err = handle.bind(local, localPort ?? 0, 0);
    if (err === 0 && localPort) {
      const out: Partial<SockAddr> = {};
      if (handle.getsockname(out) === 0 && out.port !== localPort) err = -98; // EADDRINUSE
    }
    if (err < 0) return errnoException(err, 'bind', local, localPort);
  }
  self.emit('connectionAttempt', address, port, addressType);
  if (isBlocked(self.blockList, address, addressType)) return ipBlocked(address);
  const err = handle.connect(address, port);
  if (err < 0) {
    const sockname = self._getsockname();  // Node's details: where the socket is bound, if anywhere
    return errnoException(err, 'connect', address, port, `${sockname.address}:${sockname.port}`);
  }
  return null;
}

function internalConnect(self: Socket, address: string, port: number, addressType: 4 | 6,
  localAddress?: string, localPort?: number): void {
  const ex = startAttempt(self, address, port, addressType, localAddress, localPort);
  if (ex) {
    self.destroy(ex);
    return;
  }
  self._handle!.onconnect = (status) => afterConnect(self, status, address, port, localAddress, localPort);
}

function connectMultiple(self: Socket, addrs: dns.LookupAddress[], port: number, localPort: number | undefined,
  attemptTimeout: number, current: number, errors: Error[]): void {
  const st = self[kState];
  if (st.attempt) clearTimeout(st.attempt);
  st.attempt = null;
  if (current === addrs.length) {
    // As Node's internalConnectMultiple: every attempt failed, an AggregateError of them all.
    if (errors.length === 0) {
      self.destroy(nodeError('ERR_SOCKET_CONNECTION_TIMEOUT', 'Socket connection timeout'));
      return;
    }
    const agg = new AggregateError(errors) as AggregateError & { code?: string };
    agg.code = (errors[0] as ErrnoException).code;
    self.destroy(agg);
    return;
  }
  if (current > 0 && self._handle) {  // Node's kReinitializeHandle: a new handle per later attempt
    const old = self._handle;
    old.onconnect = null;
    old.close();
    self._handle = null;
  }
  const { address, family } = addrs[current];
  self.autoSelectFamilyAttemptedAddresses!.push(`${address}:${port}`);
  const next = (ex: Error) => {
    errors.push(ex);
    self.emit('connectionAttemptFailed', address, port, family, ex);
    connectMultiple(self, addrs, port, localPort, attemptTimeout, current + 1, errors);
  };
  const ex = startAttempt(self, address, port, family as 4 | 6, undefined, localPort);
  if (ex) {
    next(ex);
    return;
  }
  self._handle!.onconnect = (status) => {
    if (st.attempt) clearTimeout(st.attempt);
    st.attempt = null;
    if (status < 0) next(errnoException(status, 'connect', address, port));
    else afterConnect(self, status, address, port, undefined, localPort);
  };
  if (current < addrs.length - 1) {
    st.attempt = setTimeout(() => {
      self.emit('connectionAttemptTimeout', address, port, family);
      next(errnoException(-110, 'connect', address, port)); // ETIMEDOUT
    }, attemptTimeout);
  }
}

export function afterConnect(self: Socket, status: number, address: string, port: number,
  localAddress?: string, localPort?: number): void {
  if (self.destroyed || !self._handle) return;
  self._handle.onconnect = null;
  self.connecting = false;
  self._sockname = null;
  if (status === 0) {
    self._unrefTimer();
    // Options asked for before the connection existed (Node applies them here too).
    const s = self[kState];
    if (s.noDelay) self._handle.setNoDelay(true);
    if (s.keepAlive) self._handle.setKeepAlive(true, s.keepAliveDelay);
    if (s.tos !== undefined && self._handle.setTypeOfService) {
      const err = self._handle.setTypeOfService(s.tos);
      if (err && err !== UV_EBADF) self.emit('error', errnoException(err, 'setTypeOfService'));
    }
    self.emit('connect');
    self.emit('ready');
    if (!self.isPaused()) self.read(0);
  } else {
    const ex = errnoException(status, 'connect', address, port);
    if (localAddress && localPort) {
      ex.message += ` - Local (${localAddress}:${localPort})`;
      Object.assign(ex, { localAddress, localPort });
    }
    self.emit('connectionAttemptFailed', address, port, familyOf(address), ex);
    self.destroy(ex);
  }
}


