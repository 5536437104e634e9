// AF_XDP backend (KERNEL_BYPASS=1). A bypass UDP socket is one native object (native/xdp/
// bypass_udp.h behind the JS class of every UDP socket, native/js/udp_socket.h): a kernel
// socket bound to the same address and port, which holds the port and serves loopback and
// non-bypassed interfaces, plus the XSK half that receives what bpf/steer.bpf.c redirects to
// the port and sends what is routed through a bypassed interface. What is left here: the
// probe, the engine's configuration from the environment, and stats().
// Read docs/XDP.md first.
import * as path from 'node:path';
import { xdpNotBuiltReason } from './addon-file';
import { liveSockets, track } from './live';
import { loadAddon, type UringUdp } from './native';
import type { XdpEngineStats, XdpSocketStats, XdpStats } from '../stats';
import { createUring, uringEntry } from './uring';
import type { BackendEntry } from './types';

interface XdpAddon {
  /** new UdpSocket(family, ifaces): a bypass socket; ifaces is RINGSOCK_IFACE ('' = default choice). */
  UdpSocket: new (family: 4 | 6, ifaces: string) => UringUdp;
  xdpProbe(objPath: string): string | null;
  /** queues: rx queues this environment claims per interface (0: every free one). */
  xdpConfigure(objPath: string, busyPoll: boolean, mode: string, queues: number): void;
  xdpStats(): XdpEngineStats;
}

let addon: XdpAddon | null = null;
let loadError = '';

function loadXdpAddon(): XdpAddon | null {
  if (addon || loadError) return addon;
  try {
    const mod = loadAddon() as unknown as Partial<XdpAddon>;
    if (typeof mod.xdpProbe !== 'function') {
      loadError = xdpNotBuiltReason(path.resolve(__dirname, '..', '..'));
      return null;
    }
    addon = mod as XdpAddon;
  } catch (err) {
    loadError = (err as Error).message;
  }
  return addon;
}

/** The steering program: RINGSOCK_BPF_OBJECT, else bpf/steer.bpf.o of this package. */
export function bpfObjectPath(): string {
  return process.env.RINGSOCK_BPF_OBJECT || path.resolve(__dirname, '..', '..', 'bpf', 'steer.bpf.o');
}

export const xdpEntry: BackendEntry = {
  name: 'xdp',
  probe: () => {
    const uring = uringEntry.probe();
    if (uring !== null) return `the io_uring backend that bypass sockets build on is unavailable: ${uring}`;
    const native = loadXdpAddon();
    if (!native) return loadError;
    return native.xdpProbe(bpfObjectPath());
  },
  create: () => {
    const native = loadXdpAddon();
    const uring = createUring();
    if (!native || !uring) throw new Error(`ringsock: the xdp backend cannot start: ${loadError || 'no io_uring backend'}`);
    // RINGSOCK_XDP_MODE=native|generic forces an attach mode; default: native, else generic.
    const mode = process.env.RINGSOCK_XDP_MODE ?? 'auto';
    if (!['auto', 'native', 'generic'].includes(mode)) {
      throw new TypeError(`RINGSOCK_XDP_MODE must be auto, native or generic; got "${mode}"`);
    }
    // RINGSOCK_XDP_QUEUES=N: this environment claims at most N rx queues of an interface, leaving
    // the others to workers (docs/XDP.md, Interface queues); default every free one.
    const queues = process.env.RINGSOCK_XDP_QUEUES ?? '0';
    if (!/^\d+$/.test(queues) || Number(queues) > 64) {
      throw new TypeError(`RINGSOCK_XDP_QUEUES must be a number of queues from 0 (every free one) to 64; got "${queues}"`);
    }
    native.xdpConfigure(bpfObjectPath(), process.env.RINGSOCK_BUSY_POLL === '1', mode, Number(queues));
    return {
      // recvBufferSize/sendBufferSize are applied by src/net after bind, as Node does.
      createUdp: (type) => {
        const h = new native.UdpSocket(type === 'udp6' ? 6 : 4, process.env.RINGSOCK_IFACE ?? '');
        track(h, type, 'xdp');
        return h;
      },
      // TCP stays on io_uring until a stream transport over AF_XDP joins native/xdp's demux.
      createTcp: (opts) => uring.createTcp(opts),
      stats: (): XdpStats => ({
        backend: 'xdp',
        xdp: native.xdpStats(),
        sockets: liveSockets('xdp') as XdpSocketStats[],
        uring: uring.stats(),
      }),
    };
  },
};
