// The backends this package registers, in no particular order: the registry decides.
import type { BackendEntry } from './types';
import { nodeEntry } from './node';
import { uringEntry } from './uring';
import { xdpEntry } from './xdp';

export function defaultEntries(): BackendEntry[] {
  return [nodeEntry, uringEntry, xdpEntry];
}
