// The native addon (build/Release/ringsock.node) and the TypeScript shape of what
// native/uring exports. Loaded lazily: only the backends that need it ever require it.
import * as path from 'node:path';
import { installCloseCallbacks } from './handle-close';
import { installTypeOfService } from './handle-tos';
import type { TcpHandle, UdpHandle } from './types';

/** Counters of one environment's io_uring engine (native/uring/engine.h Stats). */
export interface UringStats {
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
}

export interface UringAddon {
  /** new UdpSocket(4 | 6): a types.ts UdpHandle on this environment's io_uring. */
  UdpSocket: new (family: 4 | 6) => UdpHandle;
  /** new TcpSocket(0 | 4 | 6): 0 creates the fd at bind/connect from the address family. */
  TcpSocket: new (family?: 0 | 4 | 6) => TcpHandle;
  /**
   * null when this environment's io_uring engine runs (the probe opens it and completes a NOP
   * through it), otherwise one sentence with the cause. Answered once per environment.
   */
  uringProbe(): string | null;
  uringStats(): UringStats;
  /** Submits queued SQEs now (the engine does it by itself before the loop next blocks). */
  uringFlush(): void;
  /** Calls fn in this loop turn's close phase, where libuv runs uv_close callbacks. */
  inClosePhase(fn: () => void): void;
}

const ROOT = path.resolve(__dirname, '..', '..');
let cached: UringAddon | null = null;
let failure: Error | null = null;

/** The addon, or a thrown Error that says how to build it. */
export function loadAddon(): UringAddon {
  if (cached) return cached;
  if (failure) throw failure;
  const file = process.env.RINGSOCK_ADDON || path.join(ROOT, 'build', 'Release', 'ringsock.node');
  try {
    cached = require(file) as UringAddon;
    installCloseCallbacks(cached.TcpSocket.prototype, cached.inClosePhase);
    installTypeOfService(cached.TcpSocket.prototype);
    return cached;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    failure = e.code === 'MODULE_NOT_FOUND'
      ? new Error(`ringsock's native addon is not built (${file} is missing): run npm run build`)
      : new Error(`ringsock's native addon ${file} failed to load: ${e.message}`);
    throw failure;
  }
}
