// The native addon (addon-file.ts says which file) and the TypeScript shape of what
// native/uring exports. Loaded lazily: only the backends that need it ever require it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { addonCandidates, noAddonReason } from './addon-file';
import { installCloseCallbacks } from './handle-close';
import { installTypeOfService } from './handle-tos';
import { type CountedHandle, markAdoptedOnOpen, untrackOnClose } from './live';
import { dispatchStreams } from './stream-dispatch';
import type { UringEngineStats } from '../stats';
import type { TcpHandle, UdpHandle } from './types';

/** Native handles also answer stats(): their transport's counters (live.ts). */
export type UringUdp = UdpHandle & CountedHandle;
export type UringTcp = TcpHandle & CountedHandle;

export interface UringAddon {
  /** new UdpSocket(4 | 6): a types.ts UdpHandle on this environment's io_uring. */
  UdpSocket: new (family: 4 | 6) => UringUdp;
  /** new TcpSocket(0 | 4 | 6): 0 creates the fd at bind/connect from the address family. */
  TcpSocket: new (family?: 0 | 4 | 6) => UringTcp;
  /**
   * null when this environment's io_uring engine runs (the probe opens it and completes a NOP
   * through it), otherwise one sentence with the cause. Answered once per environment.
   */
  uringProbe(): string | null;
  uringStats(): UringEngineStats;
  /** Submits queued SQEs now (the engine does it by itself before the loop next blocks). */
  uringFlush(): void;
  /** The function every delivery round of TCP news is handed to (stream-dispatch.ts). */
  setStreamDispatch(fn: typeof dispatchStreams): void;
  /** A close-on-exec duplicate of fd, or -errno. */
  dupFd(fd: number): number;
  /** Calls fn in this loop turn's close phase, where libuv runs uv_close callbacks. */
  inClosePhase(fn: () => void): void;
}

const ROOT = path.resolve(__dirname, '..', '..');
let cached: UringAddon | null = null;
let failure: Error | null = null;

/** The addon, or a thrown Error that says why none loads here and what to do. */
export function loadAddon(): UringAddon {
  if (cached) return cached;
  if (failure) throw failure;
  const explicit = process.env.RINGSOCK_ADDON;
  const failures: string[] = [];
  for (const file of explicit ? [explicit] : addonCandidates(ROOT)) {
    if (!explicit && !fs.existsSync(file)) continue;
    try {
      cached = require(file) as UringAddon;
      installCloseCallbacks(cached.TcpSocket.prototype, cached.inClosePhase);
      installTypeOfService(cached.TcpSocket.prototype);
      const dupFd = cached.dupFd;
      (cached.TcpSocket.prototype as TcpHandle).dupFd = function (this: TcpHandle) { return dupFd(this.fd); };
      untrackOnClose(cached.UdpSocket.prototype, 'close');
      untrackOnClose(cached.TcpSocket.prototype, 'closeHandle');  // close() and reset() call it
      markAdoptedOnOpen(cached.UdpSocket.prototype);
      markAdoptedOnOpen(cached.TcpSocket.prototype);
      cached.setStreamDispatch(dispatchStreams);
      return cached;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      failures.push(e.code === 'MODULE_NOT_FOUND' ? `${file} is missing` : `${path.relative(ROOT, file) || file} failed to load: ${e.message}`);
    }
  }
  failure = new Error(explicit ? `RINGSOCK_ADDON: ${failures[0]}` : noAddonReason(ROOT, failures));
  throw failure;
}
