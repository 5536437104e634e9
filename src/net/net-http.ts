// HTTP servers unchanged (docs/HTTP.md). Node's http.Server extends the builtin net.Server
// (lib/_http_server.js: `net.Server.call(this, ...)` on the internal `require('net')`, which is
// the very module `require('node:net')` returns). Every listen() of it reaches
// `this._listen2(...)`; replacing that one prototype method puts http, https' TCP side and any
// framework built on net.Server onto ringsock: their listening handle is a TcpHandle and each
// 'connection' carries a ringsock Socket, which http's connectionListener reads through its
// 'data' events (the handle has no isStreamBase, so the parser is not bound to it).
import nodeNet = require('node:net');
import path = require('node:path');
import { kRingsock, type RingsockNet } from './net';

const kInstalled = Symbol.for('ringsock.http.installed');

/** True when ringsock/register is loading or loaded in this process (it requires ./net on load). */
export function loadedByRegister(): boolean {
  return require.cache[path.join(__dirname, '..', 'register.js')] !== undefined;
}

/** Puts builtin net.Server instances (http.Server, ...) on `net`'s backend; idempotent. */
export function installHttp(net: typeof nodeNet): void {
  const proto = nodeNet.Server.prototype as any;
  if (proto[kInstalled]) return;
  const ringsock = (net as any)[kRingsock] as RingsockNet | undefined;
  if (!ringsock) return;
  proto._listen2 = ringsock.listen2;
  // HTTP clients: http.Agent connects through `this.createConnection` (Node's net.createConnection,
  // bound when _http_agent loaded). https.Agent has its own (tls.connect) and stays as it is.
  const http = require('node:http') as typeof import('node:http');
  (http.Agent.prototype as any).createConnection = net.createConnection;
  Object.defineProperty(proto, kInstalled, { value: true });
}
