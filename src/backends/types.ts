// The contract between src/net (Node's API semantics) and a backend (rings, packets).
// Every method returns 0 (or a value >= 0) on success and a negative errno on failure;
// errno values equal libuv's UV_E* on Linux, so src/net/errors.ts turns them into the
// exceptions Node throws (code, errno, syscall, address, port).
// Callbacks are assigned by the owner after creation; the backend calls each at most once
// per socket per event-loop wake-up with everything that arrived (DESIGN.md decision 3).

import type { BackendStats } from '../stats';

export type UdpType = 'udp4' | 'udp6';

/** Flags for UdpHandle.bind, the same bits as libuv's uv_udp_flags. */
export const UDP_IPV6ONLY = 1;
export const UDP_REUSEADDR = 4;
/** SO_REUSEPORT (Node >= 22.12 passes it for createSocket({ reusePort })). */
export const UDP_REUSEPORT = 64;

/** Flags for TcpHandle.bind, the same bits as libuv's uv_tcp_flags. */
export const TCP_IPV6ONLY = 1;
/** SO_REUSEPORT (Node >= 22.12 passes it for listen({ reusePort })). */
export const TCP_REUSEPORT = 2;

/** Address as Node reports it (socket.address(), rinfo). */
export interface SockAddr {
  address: string;
  family: 'IPv4' | 'IPv6';
  port: number;
}

/**
 * A batch of received datagrams, in the backend's delivery area: `data[0, bytes)` holds every
 * payload back to back; `meta[0, ints)` holds MSG_META_INTS int32s per message: offset, length,
 * port, index into `addrs`. `addrs` is a string when every message came from that one source.
 * The area is the backend's and is reused by the next call: the receiver copies what it keeps
 * before it returns.
 */
export const MSG_META_INTS = 4;
export type OnMessages = (data: Buffer, bytes: number, meta: Int32Array, ints: number, addrs: string | string[]) => void;

/** Completions for sends that asked for one: reqIds[i] finished with results[i] (bytes or -errno). */
export type OnSendDone = (reqIds: Int32Array, results: Int32Array) => void;

export interface UdpHandle {
  readonly fd: number;
  onmessages: OnMessages | null;
  onsenddone: OnSendDone | null;
  /** Receive-side failure other than flow control (ENOBUFS is handled inside). */
  onerror: ((errno: number) => void) | null;

  bind(address: string, port: number, flags: number): number;
  /**
   * Adopts a datagram socket (libuv's uv_udp_open, for bind({fd})); the handle owns it after.
   * dup: adopts a duplicate instead, the caller keeps its fd (a cluster worker's shared socket).
   */
  open(fd: number, dup?: boolean): number;
  connect(address: string, port: number): number;
  disconnect(): number;
  /**
   * Queue one datagram made of `chunks` (sent as one message, gather I/O).
   * address === null sends on the connected peer. Data is copied or pinned before
   * return, so callers may reuse their buffers. reqId 0 means no completion wanted.
   * Queued sends leave in one batch at the end of the current tick (or wake-up).
   */
  send(chunks: Uint8Array[], address: string | null, port: number, reqId: number): number;
  recvStart(): number;
  recvStop(): number;
  getsockname(out: Partial<SockAddr>): number;
  getpeername(out: Partial<SockAddr>): number;

  setBroadcast(on: boolean): number;
  setTTL(ttl: number): number;
  setMulticastTTL(ttl: number): number;
  setMulticastLoopback(on: boolean): number;
  setMulticastInterface(iface: string): number;
  addMembership(group: string, iface: string | undefined): number;
  dropMembership(group: string, iface: string | undefined): number;
  addSourceSpecificMembership(source: string, group: string, iface: string | undefined): number;
  dropSourceSpecificMembership(source: string, group: string, iface: string | undefined): number;
  /** size > 0 sets SO_RCVBUF (recv) / SO_SNDBUF; size 0 reads it. Returns the size or -errno. */
  bufferSize(size: number, recv: boolean): number;
  getSendQueueSize(): number;
  getSendQueueCount(): number;

  ref(): void;
  unref(): void;
  /** Closes the fd and cancels every ring request; no callback fires after this. */
  close(): void;
}

/**
 * Read callback: nread > 0 with data, or nread < 0: UV_EOF (-4095) or -errno. When `shared` is
 * true, data is the backend's read area: bytes [0, nread) are valid only during the call.
 */
export const UV_EOF = -4095;
export type OnRead = (nread: number, data: Buffer | null, shared?: boolean) => void;

export interface TcpHandle {
  readonly fd: number;
  /** Server: accepted connections, in order; a negative status reports an accept error. */
  onconnection: ((status: number, client: TcpHandle | null) => void) | null;
  /** Client: connect finished with 0 or -errno. */
  onconnect: ((status: number) => void) | null;
  /** Set by the owner; an accessor (src/net/handle-onread.ts) that feeds `_onread`. */
  onread: OnRead | null;
  /**
   * What the backend calls for reads. Kept apart from `onread` because Node's http Agent swaps
   * `socket._handle.onread` for functions of its own and compares them by identity.
   */
  _onread: OnRead | null;
  /** Write requests finished: reqIds[i] with results[i] (0 or -errno). */
  onwritedone: ((reqIds: Int32Array, results: Int32Array) => void) | null;
  /** shutdown(SHUT_WR) finished with 0 or -errno. */
  onshutdown: ((status: number) => void) | null;

  bind(address: string, port: number, flags: number): number;
  /**
   * Adopts an open kernel TCP socket (libuv's uv_tcp_open): listening, bound or connected.
   * dup: a duplicate instead, the caller keeps and closes its own fd (a connection or listening
   * socket a cluster primary handed over as a libuv handle). Absent where the backend cannot.
   */
  open?(fd: number, dup?: boolean): number;
  listen(backlog: number): number;
  connect(address: string, port: number): number;
  readStart(): number;
  readStop(): number;
  /**
   * Queue bytes in order. Returns 1 when the write is done now (libuv's synchronous write): its
   * bytes were copied or sent and the handle holds at most `earlyLimit` bytes; no onwritedone
   * comes for it, except onwritedone([0], [-errno]) if the connection fails before they leave.
   * Returns 0 when onwritedone(reqId) will report it (buffers pinned until then), or -errno.
   * A string chunk is encoded by the handle: latin1 if bit i (i < 32) of latin1Mask is set,
   * else utf8.
   */
  write(chunks: Array<Uint8Array | string>, reqId: number, earlyLimit: number, latin1Mask?: number): number;
  /** Bytes queued in the backend and not yet handed to the kernel. */
  writeQueueSize(): number;
  shutdown(): number;
  setNoDelay(on: boolean): number;
  setKeepAlive(on: boolean, delaySecs: number): number;
  getsockname(out: Partial<SockAddr>): number;
  getpeername(out: Partial<SockAddr>): number;
  /** For tests and diagnostics: getsockopt(level, name) as an int, or -errno. */
  getsockopt(level: number, name: number): number;
  /**
   * Node 24's handle methods behind socket.setTypeOfService() / getTypeOfService(): IP_TOS on
   * an IPv4 socket, IPV6_TCLASS on an IPv6 one. set: 0 or -errno; get: the value or -errno.
   * Absent where the handle has none (net-socket.ts then keeps the value, as Node does).
   */
  setTypeOfService?(tos: number): number;
  getTypeOfService?(): number;
  /** A duplicate of the connection's fd (to hand it to one of Node's own handles), or -errno. */
  dupFd?(): number;
  ref(): void;
  unref(): void;
  /** Closes the handle; `cb` runs in the loop's close phase (Node's handle.close(cb)). */
  close(cb?: () => void): void;
  /** Abortive close (SO_LINGER 0, RST); `cb` as for close. 0 or -errno, as Node's reset(). */
  reset(cb?: () => void): number;
}

export interface TcpCreateOptions {
  family?: 4 | 6;
}

/** What a backend builds once it is chosen. */
export interface BackendImpl<S extends BackendStats = BackendStats> {
  createUdp(type: UdpType, opts: { recvBufferSize?: number; sendBufferSize?: number }): UdpHandle;
  createTcp(opts: TcpCreateOptions): TcpHandle;
  /** Counters for ringsock.stats() (docs/STATS.md). */
  stats(): S;
}

export type BackendName = 'node' | 'uring' | 'xdp';

export interface BackendEntry {
  name: BackendName;
  /** null when usable here, otherwise one sentence that says why not. */
  probe(): string | null;
  /** null for the node backend: Node's builtin modules are used as they are. */
  create(): BackendImpl | null;
}
