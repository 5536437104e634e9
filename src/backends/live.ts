// The open native handles of this environment, for the per-socket part of stats(). Added
// when created (or accepted), removed when closed, so a closed socket is never kept alive here.
// Two lists: 'uring' (kernel sockets on io_uring) and 'xdp' (bypass sockets, which report their
// halves and interfaces besides).
import type { SocketCounters, SocketStats, SocketType } from '../stats';
import type { SockAddr } from './types';

export interface CountedHandle {
  stats(): SocketCounters;
  getsockname(out: Partial<SockAddr>): number;
}

interface Entry {
  type: SocketType;
  list: SocketList;
  /** Its fd came from outside through open() (a cluster primary's socket, bind({ fd })). */
  adopted: boolean;
}

export type SocketList = 'uring' | 'xdp';

const live = new Map<CountedHandle, Entry>();

export function track(h: CountedHandle, type: SocketType, list: SocketList = 'uring'): void {
  live.set(h, { type, list, adopted: false });
}

/** Wraps the prototype's open(fd, dup) so a handle that adopted a socket says so in stats(). */
export function markAdoptedOnOpen(proto: object): void {
  const target = proto as { open: (this: CountedHandle, ...args: unknown[]) => number };
  const orig = target.open;
  Object.defineProperty(proto, 'open', {
    configurable: true,
    writable: true,
    value(this: CountedHandle, ...args: unknown[]): number {
      const rc = orig.apply(this, args);
      const entry = live.get(this);
      if (rc === 0 && entry) entry.adopted = true;
      return rc;
    },
  });
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

export function liveSockets(list: SocketList = 'uring'): SocketStats[] {
  const out: SocketStats[] = [];
  for (const [h, { type, list: of, adopted }] of live) {
    if (of !== list) continue;
    const addr: Partial<SockAddr> = {};
    const ok = h.getsockname(addr) === 0;
    out.push({ type, address: ok ? addr.address ?? '' : '', port: ok ? addr.port ?? 0 : 0, adopted, ...h.stats() });
  }
  return out;
}
