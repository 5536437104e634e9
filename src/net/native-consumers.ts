// Connections of servers whose protocol runs in C++ on `socket._handle`: TLS (https,
// http2.createSecureServer) and h2c (http2.createServer). Node's TLSWrap and nghttp2 read a
// libuv stream directly; handed a ringsock Socket they wrap it in JSStreamSocket and every byte
// also passes two JS stream layers. RINGSOCK_TLS_H2 says what they get (docs/HTTP.md):
//   libuv (default)  Node's own socket on a duplicate of the accepted fd: builtin's data path
//   ring             Node's own socket over a JSStream fed by the ring (stream-base-bridge.ts)
//   socket           a ringsock Socket, wrapped by Node in JSStreamSocket
import nodeNet = require('node:net');
import type { TcpHandle } from '../backends/types';
import { type Bridge, bridgeAvailable, bridgeHandle } from './stream-base-bridge';
import { handToLibuv } from './libuv-handoff';

let h2cPrototype: object | undefined;

/** Servers whose connection listener hands `socket._handle` to C++. Not http.Server (docs/HTTP.md). */
function consumesHandleNatively(server: object): boolean {
  const tls = require('node:tls') as typeof import('node:tls');
  if (server instanceof tls.Server) return true;
  // node:http2 exports no Http2Server class: an unstarted server gives its prototype.
  h2cPrototype ??= Object.getPrototypeOf((require('node:http2') as typeof import('node:http2')).createServer()) as object;
  return Object.prototype.isPrototypeOf.call(h2cPrototype, server);
}

export interface ServerOptions {
  allowHalfOpen?: boolean;
  pauseOnConnect?: boolean;
  highWaterMark?: number;
}

/** Node's own net.Socket for this accepted connection, or null: then it becomes a ringsock Socket. */
export function socketForNativeConsumer(server: ServerOptions & object, client: TcpHandle): nodeNet.Socket | null {
  const mode = process.env.RINGSOCK_TLS_H2 || 'libuv';
  if (mode === 'socket' || !consumesHandleNatively(server)) return null;
  const libuv = mode === 'libuv' ? handToLibuv(client) : null;
  const bridge: Bridge | null = !libuv && bridgeAvailable() ? bridgeHandle(client) : null;
  const handle = libuv ?? bridge?.handle;
  if (!handle) return null;
  const socket = new nodeNet.Socket({
    handle, allowHalfOpen: server.allowHalfOpen, pauseOnCreate: server.pauseOnConnect, readable: true, writable: true,
    readableHighWaterMark: server.highWaterMark, writableHighWaterMark: server.highWaterMark,
  } as nodeNet.SocketConstructorOpts);
  bridge?.setOwner(socket);
  return socket;
}
