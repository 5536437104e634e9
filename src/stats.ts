// The shape of require('ringsock').stats(), per backend (every field: docs/STATS.md).

/** One socket's counters, kept by its io_uring transport (native/transport/counters.h). */
export interface SocketCounters {
  /** UDP: datagrams delivered; TCP: receive completions that carried bytes. */
  rxMessages: number;
  rxBytes: number;
  /** UDP: datagrams the kernel accepted; TCP: write() calls whose bytes all left. */
  txMessages: number;
  txBytes: number;
  /** Received but not delivered (UDP: truncated, or arrived after recvStop); TCP: 0. */
  drops: number;
  /** Receive errors, failed sends/writes, failed accepts. */
  errors: number;
}

export type SocketType = 'udp4' | 'udp6' | 'tcp';

export interface SocketStats extends SocketCounters {
  type: SocketType;
  /** The local address and port ('' and 0 before bind/connect). */
  address: string;
  port: number;
  /**
   * The socket is a duplicate of one given from outside: a connection or listening socket a
   * cluster primary handed to this worker, a primary's shared UDP socket, `bind({ fd })`.
   */
  adopted: boolean;
}

/** Whose counters these are: stats() answers for one Node environment (process or thread). */
export interface EnvironmentInfo {
  pid: number;
  /** worker_threads' threadId (0 on the main thread). */
  threadId: number;
  /** cluster.worker.id in a cluster worker (PM2's cluster mode included), else null. */
  clusterWorker: number | null;
}

/** One environment's io_uring engine (native/uring/engine.h Stats), all sockets together. */
export interface UringEngineStats {
  wakeups: number;
  cqes: number;
  enobufs: number;
  rearms: number;
  sqFull: number;
  submits: number;
  jsCalls: number;
  rxDatagrams: number;
  txDatagrams: number;
  rxBytes: number;
  txBytes: number;
  truncated: number;
  accepts: number;
  cqOverflow: number;
  prepareFlushes: number;
  spinHits: number;
  emfileDrops: number;
  busyPoll: boolean;
}

/** uring: the engine totals also sit at the top level, as before per-socket entries existed. */
export interface UringStats extends UringEngineStats {
  backend: 'uring';
  engine: UringEngineStats;
  sockets: SocketStats[];
}

/**
 * One bypass UDP socket (native/xdp/bypass_udp.h): the fields of every socket, counting both
 * halves, then each half on its own and the interfaces it bypasses.
 */
export interface XdpSocketStats extends SocketStats {
  type: 'udp4' | 'udp6';
  /** Through the XSKs: datagrams taken from / written to the rings; drops: steered while not receiving. */
  xsk: SocketCounters;
  /** Through its kernel socket (loopback, other interfaces, and sends the XSKs cannot make). */
  kernel: SocketCounters;
  interfaces: string[];
}

export interface XdpQueueStats {
  queue: number;
  zerocopy: boolean;
  copy_mode: 'zerocopy' | 'copy';
  rx: number;
  tx: number;
  tx_full: number;
  kicks: number;
  rekicks: number;
  tx_backlog: number;
  busy_retries: number;
  rx_dropped: number;
  rx_invalid: number;
  tx_invalid: number;
  rx_ring_full: number;
  fill_ring_empty: number;
  tx_ring_empty: number;
}

export interface XdpInterfaceStats {
  mode: 'native' | 'generic';
  bpf: {
    redirected: number;
    passed: number;
    fragments_passed: number;
    options_passed: number;
    no_xsk: number;
    not_local_passed: number;
  };
  malformed: number;
  /** Frame parser verdict name (bad_checksum, truncated ...) -> count. */
  malformed_by_reason: { [reason: string]: number };
  valid: number;
  not_udp: number;
  no_socket: number;
  refused: number;
  /** Refusal name (martian_source, reverse_path ...) -> count. */
  refused_by_reason: { [reason: string]: number };
  queues: XdpQueueStats[];
}

/** native/xdp/engine.cc Stats; {} until the first bypass socket starts the engine. */
export interface XdpEngineStats {
  interfaces?: { [name: string]: XdpInterfaceStats };
  busyPoll?: boolean;
}

export interface XdpStats {
  backend: 'xdp';
  xdp: XdpEngineStats;
  sockets: XdpSocketStats[];
  /** The io_uring half: TCP, and the kernel socket each bypass UDP socket also holds. */
  uring: UringStats;
}

/**
 * The node backend: Node's own sockets that ringsock's modules opened, with the counts Node can
 * tell (docs/STATS.md): TCP rxBytes / txBytes; UDP the six counts but drops. A count Node cannot
 * know is absent, never 0.
 */
export interface NodeSocketStats extends Partial<SocketCounters> {
  type: SocketType;
  address: string;
  port: number;
}

export interface NodeStats {
  backend: 'node';
  sockets: NodeSocketStats[];
}

/** What a backend reports; stats() adds whose counters they are. */
export type BackendStats = UringStats | XdpStats | NodeStats;

export type RingsockStats = BackendStats & { environment: EnvironmentInfo };
