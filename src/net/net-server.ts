// net.Server on a TcpHandle. Node's own net.Server does argument handling, DNS of the host,
// abort signals, close/getConnections/address, cluster routing and pipes; everything reaches
// the kernel through `server._listen2(address, port, addressType, backlog, fd, flags)`
// (lib/net.js setupListenHandle). This file replaces only that step for TCP: a listening
// TcpHandle becomes `server._handle` (it has the getsockname/close/ref/unref Node's Server
// calls) and accepted handles become ringsock Sockets. What a cluster primary hands a worker
// is adopted onto the worker's engine (cluster-adopt.ts). Pipes, fds and handles given by the
// caller keep Node's path, so they behave exactly as in Node.
import nodeNet = require('node:net');
import type { BackendImpl, SockAddr, TcpHandle } from '../backends/types';
import { TCP_IPV6ONLY, TCP_REUSEPORT } from '../backends/types';
import { isBlocked } from './block-lists';
import { clusterHandleKind, listenRoundRobin, listenShared } from './cluster-adopt';
import { publishListenEnd, publishListenError, publishServerSocket } from './diagnostics';
import { dropsAtMaxConnectionsZero } from './node-features';
import { errnoException, uvExceptionWithHostPort } from './errors';
import type { SocketClass } from './net-socket';
import { socketForNativeConsumer } from './native-consumers';

const UV_EAFNOSUPPORT = -97;
const UV_EADDRNOTAVAIL = -99;

type Listen2 = (this: any, address: string | null, port: number, addressType: number,
  backlog: number, fd?: number, flags?: number) => void;

/** Node's setupListenHandle, kept for what ringsock leaves to Node (pipes, fds, cluster). */
export const nodeListen2: Listen2 = (nodeNet.Server.prototype as any)._listen2;

/** True when this process is a cluster primary with workers: their round robin needs libuv handles. */
function clusterPrimaryWithWorkers(): boolean {
  const cluster = require('node:cluster') as { isPrimary: boolean; workers?: Record<string, unknown> };
  return cluster.isPrimary && Object.keys(cluster.workers ?? {}).length > 0;
}

/**
 * The `_listen2` of ringsock servers; installed on Node's net.Server too when the register
 * hook asks for it (net-http.ts), so http.Server and its kin listen on ringsock as well.
 */
export function makeListen2(impl: BackendImpl, Socket: SocketClass): Listen2 {
  function createServerHandle(address: string, port: number, addressType: number, flags: number): TcpHandle | number {
    const handle = impl.createTcp({ family: addressType === 6 ? 6 : 4 });
    // Node's listen() passes reusePort where it has the option (Node >= 22.12), ipv6Only always.
    const err = handle.bind(address, port, (flags & TCP_REUSEPORT) | (addressType === 6 ? (flags & TCP_IPV6ONLY) : 0));
    if (err < 0) {
      handle.close();
      return err;
    }
    return handle;
  }

  function onconnection(self: any, status: number, clientHandle: TcpHandle | null): void {
    if (status < 0 || !clientHandle) {
      self.emit('error', errnoException(status, 'accept'));
      return;
    }
    // Node >= 22 tests `maxConnections != null` (0 drops every connection), Node 20 truthiness.
    const max = self.maxConnections;
    if ((dropsAtMaxConnectionsZero() ? max != null : max) && self._connections >= max) {
      const local: Partial<SockAddr> = {};
      const remote: Partial<SockAddr> = {};
      clientHandle.getsockname(local);
      clientHandle.getpeername(remote);
      self.emit('drop', {
        __proto__: null,
        localAddress: local.address, localPort: local.port, localFamily: local.family,
        remoteAddress: remote.address, remotePort: remote.port, remoteFamily: remote.family,
      });
      clientHandle.close();
      return;
    }
    // Node >= 22.13's createServer({ blockList }) (Node's own constructor validates and keeps it).
    if (self.blockList) {
      const remote: Partial<SockAddr> = {};
      clientHandle.getpeername(remote);
      const family = remote.address ? nodeNet.isIP(remote.address) : 0;
      if (family && isBlocked(self.blockList, remote.address!, family)) {
        clientHandle.close();
        return;
      }
    }
    // TLS and HTTP/2 servers get Node's own socket (native-consumers.ts), the others ringsock's.
    const socket: any = socketForNativeConsumer(self, clientHandle) ?? new Socket({
      handle: clientHandle,
      allowHalfOpen: self.allowHalfOpen,
      pauseOnCreate: self.pauseOnConnect,
      readable: true,
      writable: true,
      readableHighWaterMark: self.highWaterMark,
      writableHighWaterMark: self.highWaterMark,
    });
    // As Node's onconnection: the socket's state and its handle, once. keepAliveInitialDelay is
    // in seconds (Node's Server keeps it so); setKeepAlive takes milliseconds.
    if (self.noDelay) socket.setNoDelay(true);
    if (self.keepAlive) socket.setKeepAlive(true, self.keepAliveInitialDelay * 1000);
    self._connections++;
    socket.server = self;
    socket._server = self;
    self.emit('connection', socket);
    publishServerSocket(socket);
  }

  return function _listen2(this: any, address, port, addressType, backlog, fd, flags = 0) {
    const fromCluster = clusterHandleKind(this, port, addressType, fd);
    if (fromCluster === 'round-robin') {
      return listenRoundRobin(this, impl, nodeListen2, onconnection, [address, port, addressType, backlog, fd, flags]);
    }
    if (fromCluster === 'shared' && listenShared(this, impl, nodeListen2, onconnection, [address, port, addressType, backlog, fd, flags])) {
      return;
    }
    // A handle given by the caller, a pipe (addressType -1) or an fd: Node's path.
    if (this._handle || typeof fd === 'number' || addressType === -1 || port === -1 || clusterPrimaryWithWorkers()) {
      return nodeListen2.call(this, address, port, addressType, backlog, fd, flags);
    }
    let rval: TcpHandle | number | null = null;
    if (!address) {
      // Unspecified address: dual-stack '::', or '0.0.0.0' where IPv6 is missing. Unlike libuv,
      // a backend reports EADDRINUSE at bind, which must not turn into an IPv4 retry.
      rval = createServerHandle('::', port, 6, flags);
      if (typeof rval === 'number' && (rval === UV_EAFNOSUPPORT || rval === UV_EADDRNOTAVAIL)) {
        rval = null;
        address = '0.0.0.0';
        addressType = 4;
      } else {
        address = '::';
        addressType = 6;
      }
    }
    if (rval === null) rval = createServerHandle(address!, port, addressType, flags);
    if (typeof rval === 'number') {
      const error = uvExceptionWithHostPort(rval, 'listen', address, port);
      publishListenError(this, error);
      process.nextTick(() => this.emit('error', error));
      return;
    }
    const handle = rval;
    handle.onconnection = (status, client) => onconnection(this, status, client);
    const err = handle.listen(backlog || 511);
    if (err < 0) {
      handle.close();
      const error = uvExceptionWithHostPort(err, 'listen', address, port);
      publishListenError(this, error);
      process.nextTick(() => this.emit('error', error));
      return;
    }
    this._handle = handle;  // Node's handle is the server's before listen(): asyncEnd sees it
    publishListenEnd(this);
    this._connectionKey = `${addressType}:${address}:${port}`;
    if (this._unref) this.unref();
    process.nextTick(() => {
      if (this._handle) this.emit('listening');
    });
  };
}

export function makeServerClass(impl: BackendImpl, Socket: SocketClass): typeof nodeNet.Server {
  class Server extends nodeNet.Server {}
  Object.defineProperty(Server.prototype, '_listen2', {
    value: makeListen2(impl, Socket), writable: true, configurable: true, enumerable: false,
  });
  return Server;
}
