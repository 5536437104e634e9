// `createNetModule(impl)`: node:net with TCP on a backend's TcpHandle (src/backends/types.ts).
// The module has node:net's shape and names; what is not about TCP sockets (isIP, BlockList,
// SocketAddress, the autoSelectFamily defaults) is node:net's own. Unix-domain paths, fds and
// foreign handles go to Node's net unchanged, so IPC code sees no difference.
import nodeNet = require('node:net');
import type { BackendImpl } from '../backends/types';
import { publishClientSocket } from './diagnostics';
import { normalizeArgs } from './net-args';
import { makeServerClass, makeListen2 } from './net-server';
import { makeSocketClass, Socket as BaseSocket } from './net-socket';
import { adoptForTls } from './tls-adopt';

export interface RingsockNet {
  /** The `_listen2` that puts a builtin net.Server (http.Server and kin) on this backend. */
  readonly listen2: (...args: any[]) => void;
}

export const kRingsock = Symbol.for('ringsock.net');

/** node:net's classes may be called without `new` (`net.Socket()`): the same for ours. */
function callable<T extends new (...args: any[]) => object>(Class: T): T {
  return new Proxy(Class, {
    apply: (target, _this, args) => Reflect.construct(target, args),
  });
}

/**
 * `x instanceof net.Socket` / `net.Server` holds for Node's own sockets and servers too, as it
 * does without ringsock: TLS sockets and http/https/tls servers are builtin net classes (Node
 * makes them), and code checks them against the `net` it required. A subclass of ours keeps
 * the ordinary check.
 */
function builtinsAreInstances(Class: Function, Callable: Function, Builtin: Function): void {
  Object.defineProperty(Class, Symbol.hasInstance, {
    configurable: true,
    value(this: Function, v: unknown): boolean {
      if (Function.prototype[Symbol.hasInstance].call(this, v)) return true;
      return (this === Class || this === Callable) && v instanceof Builtin;
    },
  });
}

export function createNetModule(impl: BackendImpl): typeof nodeNet {
  adoptForTls((v) => v instanceof BaseSocket);
  const Socket = makeSocketClass(impl);
  const Server = makeServerClass(impl, Socket);

  function createServer(options?: any, connectionListener?: (socket: any) => void) {
    return new Server(options, connectionListener);
  }

  function connect(...args: unknown[]) {
    const normalized = normalizeArgs(args);
    const [options] = normalized;
    if (options.path != null) return (nodeNet.connect as (...a: unknown[]) => nodeNet.Socket)(...args);
    const socket = new Socket(options);
    publishClientSocket(socket, false);
    if (options.timeout) socket.setTimeout(options.timeout);
    return socket.connect(normalized);
  }

  const net: Record<string | symbol, unknown> = { ...nodeNet };
  const CallableSocket = callable(Socket);
  const CallableServer = callable(Server);
  builtinsAreInstances(Socket, CallableSocket, nodeNet.Socket);
  builtinsAreInstances(Server, CallableServer, nodeNet.Server);
  Object.assign(net, {
    Server: CallableServer, Socket: CallableSocket, Stream: CallableSocket, connect, createConnection: connect, createServer,
    _normalizeArgs: normalizeArgs,
  });
  const ringsock: RingsockNet = { listen2: makeListen2(impl, Socket) };
  Object.defineProperty(net, kRingsock, { value: ringsock, enumerable: false });
  return net as unknown as typeof nodeNet;
}
