// The node backend's sockets for stats(): on this backend ringsock's modules are node:dgram and
// node:net themselves, so the sockets are Node's own objects. Node announces them on its
// diagnostics channels (where the running Node publishes them); each is held through a WeakRef,
// so stats() never keeps a socket alive, and leaves the list once closed, as on uring.
import dc = require('node:diagnostics_channel');
import type * as dgram from 'node:dgram';
import type * as net from 'node:net';
import type { NodeSocketStats } from '../stats';

/** What Node can tell of a UDP socket: counted as the socket works (see countUdp). */
interface UdpCounts {
  rxMessages: number;
  rxBytes: number;
  txMessages: number;
  txBytes: number;
  errors: number;
}

type Entry =
  | { kind: 'udp'; ref: WeakRef<dgram.Socket>; counts: UdpCounts }
  | { kind: 'tcp'; ref: WeakRef<net.Socket> }
  | { kind: 'server'; ref: WeakRef<net.Server> };

const entries = new Set<Entry>();
// A socket the app dropped without stats() ever looking again still leaves the set.
const collected = new FinalizationRegistry<Entry>((e) => entries.delete(e));

function add(entry: Entry, target: object): void {
  entries.add(entry);
  collected.register(target, entry, entry);
}

function remove(entry: Entry): void {
  entries.delete(entry);
  collected.unregister(entry);
}

const emptyCounts = (): UdpCounts => ({ rxMessages: 0, rxBytes: 0, txMessages: 0, txBytes: 0, errors: 0 });

type Message = { socket?: unknown; server?: unknown };

function onTcpSocket(message: unknown): void {
  const socket = (message as Message).socket as net.Socket | undefined;
  if (socket) add({ kind: 'tcp', ref: new WeakRef(socket) }, socket);
}

function onListening(message: unknown): void {
  const server = (message as Message).server as net.Server | undefined;
  if (server) add({ kind: 'server', ref: new WeakRef(server) }, server);
}

function onUdpSocket(message: unknown): void {
  const socket = (message as Message).socket as dgram.Socket | undefined;
  if (!socket) return;
  const entry: Entry = { kind: 'udp', ref: new WeakRef(socket), counts: emptyCounts() };
  // A Node whose dgram keeps its handle elsewhere: neither counts nor closing can be seen.
  if (countUdp(socket, entry)) add(entry, socket);
}

type SendWrap = { oncomplete?: (this: SendWrap, err: number, sent: number) => unknown };
type UdpHandle = { send?: (req: SendWrap, list: ArrayBufferView[], count: number, ...rest: unknown[]) => number };

let stateKey: symbol | undefined;

/** dgram's internal state of one socket (its handle; null once closed), found by the symbol's description. */
function udpState(socket: dgram.Socket): { handle?: UdpHandle | null } | undefined {
  stateKey ??= Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  return stateKey ? (socket as unknown as Record<symbol, { handle?: UdpHandle | null } | undefined>)[stateKey] : undefined;
}

function udpHandle(socket: dgram.Socket): UdpHandle | null {
  const handle = udpState(socket)?.handle;
  return handle && typeof handle.send === 'function' ? handle : null;
}

/**
 * Counts a UDP socket's traffic where Node's own code passes: its 'message' and receive 'error'
 * events (an own, non-enumerable emit that calls the class's), and its handle's send, which
 * gets the datagram already checked and resolved. False when Node's dgram has no such handle.
 */
function countUdp(socket: dgram.Socket, entry: Entry & { kind: 'udp' }): boolean {
  const handle = udpHandle(socket);
  if (!handle) return false;
  const c = entry.counts;
  const send = handle.send!;
  handle.send = function countedSend(req, list, count, ...rest) {
    const done = req.oncomplete;
    // Only a send with a callback hears back from libuv (done is set then); one without is
    // counted when libuv takes it.
    if (typeof done === 'function') {
      req.oncomplete = function countedDone(err, sent) {
        if (err) c.errors++;
        else sentDatagram(c, list, count);
        return done.call(this, err, sent);
      };
    }
    const r = send.call(this, req, list, count, ...rest);
    if (r < 0) c.errors++;
    else if (r > 0 || typeof done !== 'function') sentDatagram(c, list, count);
    // A synchronous finish (r > 0) never calls oncomplete: dgram calls back itself.
    return r;
  };
  Object.defineProperty(socket, 'emit', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function countedEmit(this: dgram.Socket, event: string | symbol, ...args: unknown[]): boolean {
      if (event === 'message' && ArrayBuffer.isView(args[0])) {
        c.rxMessages++;
        c.rxBytes += args[0].byteLength;
      } else if (event === 'error' && (args[0] as { syscall?: unknown } | undefined)?.syscall === 'recvmsg') {
        c.errors++;
      } else if (event === 'close') {
        remove(entry);
      }
      const proto = Object.getPrototypeOf(this) as { emit: (...a: unknown[]) => boolean };
      return proto.emit.call(this, event, ...args);
    },
  });
  return true;
}

function sentDatagram(c: UdpCounts, list: ArrayBufferView[], count: number): void {
  c.txMessages++;
  for (let i = 0; i < count; i++) c.txBytes += list[i]?.byteLength ?? 0;
}

let started = false;

/** Starts listening for the sockets ringsock's node-backend modules open (once per environment). */
export function trackNodeSockets(): void {
  if (started) return;
  started = true;
  // Channels the running Node does not publish stay silent: those sockets are not listed.
  dc.subscribe('net.client.socket', onTcpSocket);
  dc.subscribe('net.server.socket', onTcpSocket);
  dc.subscribe('tracing:net.server.listen:asyncEnd', onListening);
  dc.subscribe('udp.socket', onUdpSocket);
}

function localAddress(a: unknown): { address: string; port: number } {
  const o = a as { address?: unknown; port?: unknown } | null;
  return {
    address: typeof o?.address === 'string' ? o.address : '',
    port: typeof o?.port === 'number' ? o.port : 0,
  };
}

/** A socket on a Unix domain socket (Pipe handle), which stats() does not list. */
function onPipe(socket: net.Socket): boolean {
  const handle = (socket as unknown as { _handle?: { constructor?: { name?: string } } | null })._handle;
  return handle?.constructor?.name === 'Pipe';
}

function describe(entry: Entry): NodeSocketStats | null | 'closed' {
  switch (entry.kind) {
    case 'tcp': {
      const s = entry.ref.deref();
      if (!s || s.destroyed) return 'closed';
      if (onPipe(s)) return null;
      const out: NodeSocketStats = { type: 'tcp', ...localAddress(s.address()) };
      if (typeof s.bytesRead === 'number') out.rxBytes = s.bytesRead;
      if (typeof s.bytesWritten === 'number') out.txBytes = s.bytesWritten;
      return out;
    }
    case 'server': {
      const s = entry.ref.deref();
      if (!s || !s.listening) return 'closed';
      const a = s.address();
      return typeof a === 'object' && a !== null ? { type: 'tcp', ...localAddress(a) } : null;
    }
    case 'udp': {
      const s = entry.ref.deref();
      // close() drops the handle at once; 'close' is emitted a tick later.
      if (!s || udpState(s)?.handle === null) return 'closed';
      let addr = { address: '', port: 0 };
      try {
        addr = localAddress(s.address());
      } catch {
        // Not bound yet (ERR_SOCKET_DGRAM_NOT_RUNNING), as '' and 0 on uring.
      }
      const type = (s as unknown as { type?: unknown }).type === 'udp6' ? 'udp6' : 'udp4';
      return { type, ...addr, ...entry.counts };
    }
  }
}

/** The open sockets of this environment's node backend, in the order they were opened. */
export function nodeSockets(): NodeSocketStats[] {
  const out: NodeSocketStats[] = [];
  for (const entry of entries) {
    const d = describe(entry);
    if (d === 'closed') remove(entry);
    else if (d) out.push(d);
  }
  return out;
}
