// io_uring backend (placeholder until native/uring lands: probe says so, nothing pretends).
import type { BackendEntry } from './types';

export const uringEntry: BackendEntry = {
  name: 'uring',
  probe: () => 'the io_uring backend is not built yet',
  create: () => null,
};
