// io_uring backend: the native UdpSocket/TcpSocket of native/uring implement types.ts directly
// (one io_uring per event loop, batched delivery, sends submitted once per tick).
import type { UringStats } from '../stats';
import { liveSockets, track } from './live';
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

/** Also the io_uring half of the xdp backend, which reports these stats under `uring`. */
export function createUring(): BackendImpl<UringStats> {
  const addon = loadAddon();
  return {
    // recvBufferSize/sendBufferSize are applied by src/net after bind, as Node does.
    createUdp(type: UdpType): UdpHandle {
      const h = new addon.UdpSocket(type === 'udp6' ? 6 : 4);
      track(h, type);
      return h;
    },
    createTcp(opts: TcpCreateOptions): TcpHandle {
      const h = new addon.TcpSocket(opts.family ?? 0);
      track(h, 'tcp');
      return h;
    },
    stats(): UringStats {
      const engine = addon.uringStats();
      // The flat engine fields stay for readers written before `engine` existed.
      return { ...engine, backend: 'uring', engine, sockets: liveSockets() };
    },
  };
}

export const uringEntry: BackendEntry = { name: 'uring', probe, create: createUring };
