// A cluster worker's TCP on its own engine (docs/HTTP.md, "cluster"). Node's cluster gives a
// worker's listen() one of two things in `server._handle` before `_listen2` runs
// (lib/internal/cluster/child.js):
// - round robin (the default on Linux): a stand-in handle with no socket; the primary accepts
//   and sends each connection over IPC as a libuv TCP handle, which child.js hands to
//   `standIn.onconnection(0, handle)`;
// - SCHED_NONE: the primary's bound socket itself, as a libuv TCP handle, for the worker to
//   listen and accept on.
// Either way the worker adopts a duplicate of the socket's fd into a backend handle and closes
// (connection) or keeps (listener: its close tells the primary) Node's handle. What Node's own
// code does around it (cluster's bookkeeping, listen's events, server.close, disconnect) runs
// unchanged on the handles ringsock puts in place.
import type { BackendImpl, TcpHandle } from '../backends/types';
import { errnoException } from './errors';

type Listen2 = (this: any, address: string | null, port: number, addressType: number,
  backlog: number, fd?: number, flags?: number) => void;
type OnConnection = (server: any, status: number, client: TcpHandle | null) => void;

interface LibuvTcp {
  fd?: number;
  close(...args: unknown[]): void;
  onconnection?: ((status: number, client: LibuvTcp) => void) | null;
}

export type ClusterHandleKind = 'round-robin' | 'shared';

function isClusterWorker(): boolean {
  return (require('node:cluster') as { isWorker: boolean }).isWorker;
}

/**
 * What cluster put in `server._handle` for a worker's TCP listen() (port >= 0: Unix paths,
 * listen({fd}) and listen(handle) keep Node's path), or null when it is nothing of cluster's.
 */
export function clusterHandleKind(server: { _handle: unknown }, port: number, addressType: number,
  fd: number | undefined): ClusterHandleKind | null {
  const handle = server._handle as LibuvTcp | null;
  if (!handle || typeof fd === 'number' || !(port >= 0) || (addressType !== 4 && addressType !== 6)) return null;
  if (!isClusterWorker()) return null;
  if (typeof handle.fd === 'number') return handle.fd >= 0 ? 'shared' : null;
  return 'round-robin';
}

let warned = false;

/** Once per process: why a connection stays on Node's socket (it is still served). */
function warnKept(rc: number): void {
  if (warned) return;
  warned = true;
  const err = errnoException(rc, 'dup');
  process.emitWarning(`ringsock: a socket the cluster primary handed over stays on Node's libuv handle: ${err.message}`);
}

/** A backend handle over a duplicate of `libuv`'s fd, or null (Node's handle then serves). */
function adoptFd(impl: BackendImpl, libuv: LibuvTcp): TcpHandle | null {
  const fd = libuv.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  const own = impl.createTcp({});
  if (typeof own.open !== 'function') {
    own.close();
    return null;
  }
  const rc = own.open(fd, true);
  if (rc < 0) {
    own.close();
    warnKept(rc);
    return null;
  }
  return own;
}

/**
 * Round robin: Node's `_listen2` on cluster's stand-in, then each connection the primary sends
 * is adopted and goes through ringsock's onconnection (maxConnections, 'drop', 'connection').
 * child.js has already acknowledged it (the primary closed its copy); Node's handle is closed.
 */
export function listenRoundRobin(server: any, impl: BackendImpl, nodeListen2: Listen2,
  onconnection: OnConnection, args: Parameters<Listen2>): void {
  nodeListen2.apply(server, args);
  const standIn = server._handle as LibuvTcp | null;
  if (!standIn || typeof standIn.onconnection !== 'function') return;
  const nodeOnconnection = standIn.onconnection;
  standIn.onconnection = function onClusterConnection(this: unknown, status: number, libuv: LibuvTcp) {
    const own = status === 0 && libuv ? adoptFd(impl, libuv) : null;
    if (!own) return nodeOnconnection.call(this, status, libuv);
    libuv.close();
    onconnection(server, 0, own);
  };
}

/**
 * SCHED_NONE: the primary's socket is listened on and accepted from on this worker's engine
 * through a duplicate. Node's `_listen2` runs on the ringsock handle (its events, errors and
 * connection key as Node makes them); closing that handle also closes cluster's (which tells
 * the primary), and cluster's disconnect closes the server through it as it would Node's.
 * False when the fd could not be adopted: then Node's path serves.
 */
export function listenShared(server: any, impl: BackendImpl, nodeListen2: Listen2,
  onconnection: OnConnection, args: Parameters<Listen2>): boolean {
  const shared = server._handle as LibuvTcp;
  const own = adoptFd(impl, shared);
  if (!own) return false;
  const closeOwn = own.close;
  Object.defineProperty(own, 'close', {
    configurable: true,
    writable: true,
    value(this: TcpHandle, cb?: () => void): void {
      shared.close();
      closeOwn.call(this, cb);
    },
  });
  server._handle = own;
  nodeListen2.apply(server, args);
  if (server._handle !== own) return true;  // listen failed: Node closed it and emits the error
  own.onconnection = (status, client) => onconnection(server, status, client);
  // child.js's disconnect closes `handle[owner_symbol]` (the server) for each handle it keeps.
  for (const sym of Object.getOwnPropertySymbols(own)) {
    if (sym.description === 'owner_symbol') (shared as any)[sym] = server;
  }
  return true;
}
