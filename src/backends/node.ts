// The last fallback: Node's builtin libuv sockets, used as they are (src/dgram.ts, src/net.ts).
import type { BackendEntry } from './types';

export const nodeEntry: BackendEntry = {
  name: 'node',
  probe: () => null,
  create: () => null,
};
