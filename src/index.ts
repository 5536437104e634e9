// `ringsock`: which backend runs and why, and its counters.
import { nodeSockets } from './backends/node-sockets';
import { current } from './backends/registry';
import type { BackendName } from './backends/types';
import type { EnvironmentInfo, RingsockStats } from './stats';

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
  const counters = impl ? impl.stats() : { backend: 'node' as const, sockets: nodeSockets() };
  return { ...counters, environment: environment() };
}

function environment(): EnvironmentInfo {
  const { threadId } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { worker } = require('node:cluster') as { worker?: { id: number } | null };
  return { pid: process.pid, threadId, clusterWorker: worker ? worker.id : null };
}
