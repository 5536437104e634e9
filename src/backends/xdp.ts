// AF_XDP backend (KERNEL_BYPASS=1). A bypass UDP socket is a superset of an io_uring one
// (DESIGN.md decision 5): it owns an io_uring UdpHandle bound to the same address and port,
// which holds the port and serves loopback and non-bypassed interfaces, plus a native XdpUdp
// that receives what bpf/steer.bpf.c redirects to the port and sends what is routed through a
// bypassed interface. Both deliver through the same onmessages batch callback.
// Read docs/XDP.md first.
import * as path from 'node:path';
import { xdpNotBuiltReason } from './addon-file';
import { loadAddon } from './native';
import type { XdpEngineStats, XdpSocketStats, XdpStats } from '../stats';
import { createUring, uringEntry } from './uring';
import {
  UDP_IPV6ONLY,
  type BackendEntry, type BackendImpl, type OnMessages, type OnSendDone, type SockAddr,
  type UdpHandle, type UdpType,
} from './types';

const UV_EALREADY = -114;  // Linux EALREADY: the interface is another ringsock process's

/** The native AF_XDP half (native/xdp/udp_socket.h). */
interface XdpUdpNative {
  onmessages: OnMessages | null;
  readonly lastError: string;
  attach(address: string, port: number, ipv6only: boolean, ifaces: string): number;
  connect(address: string, port: number): number;
  disconnect(): number;
  /**
   * 1: queued on an XSK; 2: queued from a delivery callback, the engine kicks it when the
   * callbacks return; 0: not routed through a bypassed interface, use the kernel socket.
   */
  send(chunks: Uint8Array | Uint8Array[], address: string | null, port: number): number;
  recvStart(): number;
  recvStop(): number;
  setTTL(ttl: number): number;
  setMulticastTTL(ttl: number): number;
  setMulticastLoopback(on: boolean): number;
  membership(group: string, join: boolean): number;
  ref(): void;
  unref(): void;
  close(): void;
  /** Without `type`, which XdpUdpHandle adds. */
  stats(): Omit<XdpSocketStats, 'type'>;
}

interface XdpAddon {
  XdpUdp: new (family: 4 | 6) => XdpUdpNative;
  xdpProbe(objPath: string): string;
  xdpConfigure(objPath: string, busyPoll: boolean, mode: string): void;
  xdpFlush(): void;
  xdpStats(): XdpEngineStats;
}

let addon: XdpAddon | null = null;
let loadError = '';

function loadXdpAddon(): XdpAddon | null {
  if (addon || loadError) return addon;
  try {
    const mod = loadAddon() as unknown as Partial<XdpAddon>;
    if (typeof mod.XdpUdp !== 'function') {
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

// Sends queued on an XSK in this tick leave in one kick per TX ring (decision 3); their
// completions are reported in the same batch.
const withCompletions = new Set<XdpUdpHandle>();
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  addon?.xdpFlush();
  const handles = [...withCompletions];
  withCompletions.clear();
  for (const h of handles) h.reportSent();
}

function scheduleFlush(): void {
  if (flushScheduled) return;
  flushScheduled = true;
  process.nextTick(flushAll);
}

const live = new Set<XdpUdpHandle>();
let warnedNote = false;

class XdpUdpHandle implements UdpHandle {
  onmessages: OnMessages | null = null;
  onsenddone: OnSendDone | null = null;
  onerror: ((errno: number) => void) | null = null;

  private kernel: UdpHandle;
  private readonly xsk: XdpUdpNative;
  private attached = false;
  private closed = false;
  private doneIds: number[] = [];
  private doneBytes: number[] = [];

  constructor(private readonly type: UdpType,
    private readonly opts: { recvBufferSize?: number; sendBufferSize?: number },
    private readonly uring: BackendImpl, native: XdpAddon) {
    this.kernel = this.wire(uring.createUdp(type, opts));
    this.xsk = new native.XdpUdp(type === 'udp4' ? 4 : 6);
    this.xsk.onmessages = (data, bytes, meta, ints, addrs) => this.onmessages?.(data, bytes, meta, ints, addrs);
    live.add(this);
  }

  private wire(h: UdpHandle): UdpHandle {
    h.onmessages = (data, bytes, meta, ints, addrs) => this.onmessages?.(data, bytes, meta, ints, addrs);
    h.onsenddone = (ids, results) => this.onsenddone?.(ids, results);
    h.onerror = (errno) => this.onerror?.(errno);
    return h;
  }

  get fd(): number { return this.kernel.fd; }

  /**
   * bind({fd}): the kernel half adopts the fd; the bypass attaches to its address. If that
   * fails, the socket keeps serving on io_uring (the fd is the caller's, it cannot be undone).
   */
  open(fd: number, dup?: boolean): number {
    const rc = this.kernel.open(fd, dup);
    if (rc) return rc;
    const out: Partial<SockAddr> = {};
    if (this.kernel.getsockname(out) || !out.port) return 0;
    if (this.xsk.attach(out.address!, out.port, false, process.env.RINGSOCK_IFACE ?? '')) {
      process.emitWarning(`ringsock: AF_XDP for the adopted fd ${fd} (${out.address}:${out.port}) failed, ` +
        `it is served by io_uring: ${this.xsk.lastError}`, { code: 'RINGSOCK_XDP_BIND' });
      return 0;
    }
    this.attached = true;
    return 0;
  }

  bind(address: string, port: number, flags: number): number {
    const rc = this.kernel.bind(address, port, flags);
    if (rc) return rc;
    const out: Partial<SockAddr> = {};
    const err = this.kernel.getsockname(out);
    if (err) return err;
    const arc = this.xsk.attach(out.address!, out.port!, (flags & UDP_IPV6ONLY) !== 0,
      process.env.RINGSOCK_IFACE ?? '');
    if (arc === UV_EALREADY) {
      // Another ringsock process bypasses the interface: this socket is a kernel socket there.
      process.emitWarning(`ringsock: ${out.address}:${out.port} is served by io_uring: ${this.xsk.lastError}`,
        { code: 'RINGSOCK_XDP_SHARED' });
      return 0;
    }
    if (arc) {
      // The kernel socket must not keep the port: a later bind() may try again.
      process.emitWarning(`ringsock: AF_XDP bind of ${out.address}:${out.port} failed: ${this.xsk.lastError}`,
        { code: 'RINGSOCK_XDP_BIND' });
      this.kernel.onmessages = this.kernel.onsenddone = null;
      this.kernel.onerror = null;
      this.kernel.close();
      this.kernel = this.wire(this.uring.createUdp(this.type, this.opts));
      return arc;
    }
    this.attached = true;
    const note = this.xsk.lastError;
    if (note && !warnedNote) {
      warnedNote = true;
      process.emitWarning(`ringsock: ${note}`, { code: 'RINGSOCK_XDP_NO_INTERFACE' });
    }
    return 0;
  }

  /** The words behind the last failed bind (interface missing, program busy, memlock ...). */
  get lastError(): string { return this.xsk.lastError; }

  connect(address: string, port: number): number {
    const rc = this.kernel.connect(address, port);
    if (rc === 0 && this.attached) this.xsk.connect(address, port);
    return rc;
  }

  disconnect(): number {
    const rc = this.kernel.disconnect();
    if (rc === 0) this.xsk.disconnect();
    return rc;
  }

  send(chunks: Uint8Array[], address: string | null, port: number, reqId: number): number {
    if (this.attached && !this.closed) {
      const r = this.xsk.send(chunks.length === 1 ? chunks[0] : chunks, address, port);
      if (r > 0) {
        if (reqId) {
          let bytes = 0;
          for (const c of chunks) bytes += c.byteLength;
          this.doneIds.push(reqId);
          this.doneBytes.push(bytes);
          withCompletions.add(this);
          scheduleFlush();
        } else if (r === 1) {
          scheduleFlush();   // 2: the engine kicks it itself after the delivery callbacks
        }
        return 0;
      }
      if (r < 0) return r;
    }
    return this.kernel.send(chunks, address, port, reqId);
  }

  reportSent(): void {
    if (!this.doneIds.length) return;
    const ids = Int32Array.from(this.doneIds);
    const results = Int32Array.from(this.doneBytes);
    this.doneIds = [];
    this.doneBytes = [];
    if (!this.closed) this.onsenddone?.(ids, results);
  }

  recvStart(): number {
    const rc = this.kernel.recvStart();
    if (rc === 0) this.xsk.recvStart();
    return rc;
  }

  recvStop(): number {
    this.xsk.recvStop();
    return this.kernel.recvStop();
  }

  getsockname(out: Partial<SockAddr>): number { return this.kernel.getsockname(out); }
  getpeername(out: Partial<SockAddr>): number { return this.kernel.getpeername(out); }
  setBroadcast(on: boolean): number { return this.kernel.setBroadcast(on); }

  setTTL(ttl: number): number {
    const rc = this.kernel.setTTL(ttl);
    if (rc === 0) this.xsk.setTTL(ttl);
    return rc;
  }

  setMulticastTTL(ttl: number): number {
    const rc = this.kernel.setMulticastTTL(ttl);
    if (rc === 0) this.xsk.setMulticastTTL(ttl);
    return rc;
  }

  setMulticastLoopback(on: boolean): number {
    const rc = this.kernel.setMulticastLoopback(on);
    if (rc === 0) this.xsk.setMulticastLoopback(on);
    return rc;
  }

  setMulticastInterface(iface: string): number { return this.kernel.setMulticastInterface(iface); }

  // Joins go through the kernel socket (IGMP / MLD, decision 6); the XSK side only learns that
  // the group's frames are wanted.
  addMembership(group: string, iface: string | undefined): number {
    const rc = this.kernel.addMembership(group, iface);
    if (rc === 0) this.xsk.membership(group, true);
    return rc;
  }

  dropMembership(group: string, iface: string | undefined): number {
    const rc = this.kernel.dropMembership(group, iface);
    if (rc === 0) this.xsk.membership(group, false);
    return rc;
  }

  addSourceSpecificMembership(source: string, group: string, iface: string | undefined): number {
    const rc = this.kernel.addSourceSpecificMembership(source, group, iface);
    if (rc === 0) this.xsk.membership(group, true);
    return rc;
  }

  dropSourceSpecificMembership(source: string, group: string, iface: string | undefined): number {
    const rc = this.kernel.dropSourceSpecificMembership(source, group, iface);
    if (rc === 0) this.xsk.membership(group, false);
    return rc;
  }

  bufferSize(size: number, recv: boolean): number { return this.kernel.bufferSize(size, recv); }
  getSendQueueSize(): number { return this.kernel.getSendQueueSize(); }
  getSendQueueCount(): number { return this.kernel.getSendQueueCount(); }

  ref(): void {
    this.kernel.ref();
    this.xsk.ref();
  }

  unref(): void {
    this.kernel.unref();
    this.xsk.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    live.delete(this);
    withCompletions.delete(this);
    this.xsk.onmessages = null;
    this.xsk.close();
    this.kernel.close();
  }

  stats(): XdpSocketStats {
    return { type: this.type, ...this.xsk.stats() };
  }
}

export const xdpEntry: BackendEntry = {
  name: 'xdp',
  probe: () => {
    const uring = uringEntry.probe();
    if (uring !== null) return `the io_uring backend that bypass sockets build on is unavailable: ${uring}`;
    const native = loadXdpAddon();
    if (!native) return loadError;
    const why = native.xdpProbe(bpfObjectPath());
    return why === '' ? null : why;
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
    native.xdpConfigure(bpfObjectPath(), process.env.RINGSOCK_BUSY_POLL === '1', mode);
    return {
      createUdp: (type, opts) => new XdpUdpHandle(type, opts, uring, native),
      // TCP stays on io_uring until the userspace TCP stack lands on native/xdp's device.
      createTcp: (opts) => uring.createTcp(opts),
      stats: (): XdpStats => ({
        backend: 'xdp',
        xdp: native.xdpStats(),
        sockets: [...live].map((h) => h.stats()),
        uring: uring.stats(),
      }),
    };
  },
};
