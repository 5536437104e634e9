// io_uring backend: the native UdpSocket/TcpSocket of native/uring implement types.ts directly
// (one io_uring per event loop, batched delivery, sends submitted once per tick).
import { loadAddon } from './native';
import type { BackendEntry, BackendImpl, TcpCreateOptions, TcpHandle, UdpHandle, UdpType } from './types';

function probe(): string | null {
  let addon;
  try {
    addon = loadAddon();
  } catch (err) {
    return (err as Error).message;
  }
  return addon.uringProbe();
}

function create(): BackendImpl {
  const addon = loadAddon();
  return {
    // recvBufferSize/sendBufferSize are applied by src/net after bind, as Node does.
    createUdp(type: UdpType): UdpHandle {
      return new addon.UdpSocket(type === 'udp6' ? 6 : 4);
    },
    createTcp(opts: TcpCreateOptions): TcpHandle {
      return new addon.TcpSocket(opts.family ?? 0);
    },
    stats(): Record<string, unknown> {
      return { ...addon.uringStats() };
    },
  };
}

export const uringEntry: BackendEntry = { name: 'uring', probe, create };
