// `ringsock`: which backend runs and why, and its counters.
import { nodeSockets } from './backends/node-sockets';
import { current } from './backends/registry';
import type { BackendName } from './backends/types';
import type { RingsockStats } from './stats';

export type * from './stats';

export interface BackendInfo {
  name: BackendName;
  reason: string;
}

/** The backend this process (or worker) uses, and why: the request, or the fallback's cause. */
export function backend(): BackendInfo {
  const { name, reason } = current();
  return { name, reason };
}

/** Per-socket and per-engine counters of the running backend (docs/STATS.md). */
export function stats(): RingsockStats {
  const impl = current().impl;
  return impl ? impl.stats() : { backend: 'node', sockets: nodeSockets() };
}
