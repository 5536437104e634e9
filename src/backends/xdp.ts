// AF_XDP backend (placeholder until native/xdp lands: probe says so, nothing pretends).
import type { BackendEntry } from './types';

export const xdpEntry: BackendEntry = {
  name: 'xdp',
  probe: () => 'the AF_XDP backend is not built yet',
  create: () => null,
};
