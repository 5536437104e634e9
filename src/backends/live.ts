// The open io_uring handles of this environment, for the per-socket part of stats(). Added
// when created (or accepted), removed when closed, so a closed socket is never kept alive here.
import type { SocketCounters, SocketStats, SocketType } from '../stats';
import type { SockAddr } from './types';

export interface CountedHandle {
  stats(): SocketCounters;
  getsockname(out: Partial<SockAddr>): number;
}

const live = new Map<CountedHandle, SocketType>();

export function track(h: CountedHandle, type: SocketType): void {
  live.set(h, type);
}

/** Wraps the prototype's closing method so every close (and reset) forgets the handle. */
export function untrackOnClose(proto: object, method: 'close' | 'closeHandle'): void {
  const target = proto as { [k: string]: (this: CountedHandle, ...args: unknown[]) => unknown };
  const orig = target[method];
  Object.defineProperty(proto, method, {
    configurable: true,
    writable: true,
    value(this: CountedHandle, ...args: unknown[]): unknown {
      live.delete(this);
      return orig.apply(this, args);
    },
  });
}

export function liveSockets(): SocketStats[] {
  const out: SocketStats[] = [];
  for (const [h, type] of live) {
    const addr: Partial<SockAddr> = {};
    const ok = h.getsockname(addr) === 0;
    out.push({ type, address: ok ? addr.address ?? '' : '', port: ok ? addr.port ?? 0 : 0, ...h.stats() });
  }
  return out;
}
