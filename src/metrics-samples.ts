// What ringsock/metrics exposes: the metric names and the values a stats() snapshot gives them,
// kept apart from prom-client so the mapping can be checked on any stats shape. Fields are
// read defensively: a field a backend does not report (yet) yields no sample, never a throw.
import type { RingsockStats } from './stats';

export type MetricKind = 'counter' | 'gauge';

export interface MetricSpec {
  /** Without the prefix ('ringsock_' by default). */
  name: string;
  help: string;
  kind: MetricKind;
  labelNames: readonly string[];
}

export type Labels = Record<string, string>;

export interface Sample {
  labels: Labels;
  value: number;
}

const SOCKET_LABELS = ['backend', 'type', 'address', 'port'] as const;

/** stats() per-socket field -> metric name and help (docs/STATS.md). */
const SOCKET_FIELDS: ReadonlyArray<[field: string, name: string, help: string]> = [
  ['rxMessages', 'socket_rx_messages', 'UDP: datagrams delivered; TCP: receive completions with bytes'],
  ['rxBytes', 'socket_rx_bytes', 'payload bytes received'],
  ['txMessages', 'socket_tx_messages', 'UDP: datagrams the kernel accepted; TCP: writes whose bytes all left'],
  ['txBytes', 'socket_tx_bytes', 'payload bytes the kernel accepted for sending'],
  ['drops', 'socket_drops', 'datagrams received but not delivered (truncated, or after recvStop)'],
  ['errors', 'socket_errors', 'receive errors, refused sends/writes, failed accepts'],
];
const OPEN_SOCKETS_NOTE = ', summed over the open sockets with these labels (falls when one closes)';

/** io_uring engine field -> metric name (all counters, "_total"). */
const URING_ENGINE_FIELDS: ReadonlyArray<[field: string, name: string, help: string]> = [
  ['wakeups', 'uring_wakeups', 'times the engine handled its rings'],
  ['cqes', 'uring_cqes', 'completions read from the completion queue'],
  ['enobufs', 'uring_enobufs', 'receives that ran out of provided buffers'],
  ['rearms', 'uring_rearms', 'multishot receives / accepts armed'],
  ['sqFull', 'uring_sq_full', 'times the submission queue was full and submitted early'],
  ['submits', 'uring_submits', 'io_uring_submit calls'],
  ['jsCalls', 'uring_js_calls', 'calls into JS delivering batches'],
  ['rxDatagrams', 'uring_rx_datagrams', 'UDP datagrams received, all sockets'],
  ['txDatagrams', 'uring_tx_datagrams', 'UDP datagrams sent, all sockets'],
  ['rxBytes', 'uring_rx_bytes', 'UDP and TCP payload bytes received, all sockets'],
  ['txBytes', 'uring_tx_bytes', 'UDP and TCP payload bytes sent, all sockets'],
  ['truncated', 'uring_truncated', 'UDP datagrams truncated by the kernel'],
  ['accepts', 'uring_accepts', 'TCP connections accepted'],
  ['cqOverflow', 'uring_cq_overflow', 'completions lost to a full completion queue'],
  ['prepareFlushes', 'uring_prepare_flushes', 'end-of-tick submissions of queued requests'],
  ['spinHits', 'uring_spin_hits', 'busy-poll / linger looks that found work'],
  ['emfileDrops', 'uring_emfile_drops', 'connections dropped while out of descriptors (EMFILE)'],
];

/** xdp.interfaces[name] numeric field (a dotted path for bpf.*) -> counter name. */
const XDP_INTERFACE_FIELDS: ReadonlyArray<[path: string, name: string, help: string]> = [
  ['bpf.redirected', 'xdp_bpf_redirected', 'frames the steering program redirected to an XSK'],
  ['bpf.passed', 'xdp_bpf_passed', 'frames the steering program passed to the kernel'],
  ['bpf.fragments_passed', 'xdp_bpf_fragments_passed', 'IP fragments for a bypass port passed to the kernel'],
  ['bpf.options_passed', 'xdp_bpf_options_passed', 'packets with IP options / extension headers passed to the kernel'],
  ['bpf.no_xsk', 'xdp_bpf_no_xsk', 'frames for a bypass port on a queue without an XSK'],
  ['bpf.not_local_passed', 'xdp_bpf_not_local_passed', 'frames for a bypass port not addressed to this host'],
  ['valid', 'xdp_valid', 'frames the userspace parser accepted'],
  ['malformed', 'xdp_malformed', 'frames the userspace parser rejected'],
  ['not_udp', 'xdp_not_udp', 'frames that were neither IP nor UDP'],
  ['no_socket', 'xdp_no_socket', 'valid datagrams for a port no socket holds'],
  ['refused', 'xdp_refused', "datagrams refused by the kernel's acceptance rules"],
];

const XDP_QUEUE_COUNTERS: ReadonlyArray<[field: string, help: string]> = [
  ['rx', 'frames received on this queue'],
  ['tx', 'frames sent on this queue'],
  ['tx_full', 'times the TX ring was full'],
  ['kicks', 'sendto wake-ups of the driver TX'],
  ['rekicks', 'kicks repeated for frames still waiting'],
  ['busy_retries', 'kicks retried after EBUSY'],
  ['rx_dropped', 'XDP_STATISTICS rx_dropped'],
  ['rx_invalid', 'XDP_STATISTICS rx_invalid_descs'],
  ['tx_invalid', 'XDP_STATISTICS tx_invalid_descs'],
  ['rx_ring_full', 'XDP_STATISTICS rx_ring_full'],
  ['fill_ring_empty', 'XDP_STATISTICS rx_fill_ring_empty_descs'],
  ['tx_ring_empty', 'XDP_STATISTICS tx_ring_empty_descs'],
];

const counter = (name: string, help: string, labelNames: readonly string[] = []): MetricSpec =>
  ({ name: `${name}_total`, help, kind: 'counter', labelNames });
const gauge = (name: string, help: string, labelNames: readonly string[] = []): MetricSpec =>
  ({ name, help, kind: 'gauge', labelNames });

/** Every metric ringsock/metrics registers, whatever the backend. */
export const METRICS: readonly MetricSpec[] = [
  gauge('backend_info', 'the backend this process (or worker) runs: 1, labelled by its name', ['backend']),
  gauge('sockets', 'open ringsock sockets', SOCKET_LABELS),
  ...SOCKET_FIELDS.map(([, name, help]) => gauge(name, help + OPEN_SOCKETS_NOTE, SOCKET_LABELS)),
  ...URING_ENGINE_FIELDS.map(([, name, help]) => counter(name, `io_uring engine: ${help}`)),
  gauge('uring_busy_poll', 'io_uring engine: 1 when RINGSOCK_BUSY_POLL=1 is in effect'),
  gauge('xdp_busy_poll', 'AF_XDP engine: 1 when busy polling is in effect'),
  gauge('xdp_interface_info', 'AF_XDP: 1 per bypassed interface, labelled by its attach mode', ['interface', 'mode']),
  ...XDP_INTERFACE_FIELDS.map(([, name, help]) => counter(name, `AF_XDP: ${help}`, ['interface'])),
  counter('xdp_malformed_by_reason', 'AF_XDP: frames the parser rejected, by reason', ['interface', 'reason']),
  counter('xdp_refused_by_reason', 'AF_XDP: datagrams refused, by reason', ['interface', 'reason']),
  ...XDP_QUEUE_COUNTERS.map(([f, help]) => counter(`xdp_queue_${f}`, `AF_XDP queue: ${help}`, ['interface', 'queue'])),
  gauge('xdp_queue_tx_backlog', 'AF_XDP queue: frames waiting for room in the TX ring', ['interface', 'queue']),
  gauge('xdp_queue_zerocopy', 'AF_XDP queue: 1 in zero-copy mode, 0 in copy mode', ['interface', 'queue']),
];

type Loose = { [key: string]: unknown };

const isObj = (x: unknown): x is Loose => typeof x === 'object' && x !== null && !Array.isArray(x);
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
const flag = (x: unknown): number | undefined => (typeof x === 'boolean' ? Number(x) : undefined);
const str = (x: unknown, fallback: string): string =>
  typeof x === 'string' || typeof x === 'number' ? String(x) : fallback;
const at = (o: Loose, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (isObj(v) ? v[k] : undefined), o);

class Collected {
  readonly byName = new Map<string, Sample[]>(METRICS.map((m) => [m.name, []]));
  private readonly summed = new Map<string, Sample>();

  add(name: string, labels: Labels, value: number | undefined): void {
    if (value !== undefined) this.byName.get(name)!.push({ labels, value });
  }

  /** Adds to the sample with the same labels (sockets sharing a local address and port). */
  sum(name: string, labels: Labels, value: number | undefined): void {
    if (value === undefined) return;
    const key = name + JSON.stringify(labels);
    const same = this.summed.get(key);
    if (same) {
      same.value += value;
      return;
    }
    const sample = { labels, value };
    this.summed.set(key, sample);
    this.byName.get(name)!.push(sample);
  }
}

function addSockets(out: Collected, backend: string, sockets: unknown): void {
  if (!Array.isArray(sockets)) return;
  for (const s of sockets) {
    if (!isObj(s)) continue;
    const labels = { backend, type: str(s.type, ''), address: str(s.address, ''), port: str(s.port, '0') };
    out.sum('sockets', labels, 1);
    for (const [field, name] of SOCKET_FIELDS) out.sum(name, labels, num(s[field]));
  }
}

function addUringEngine(out: Collected, engine: unknown): void {
  if (!isObj(engine)) return;
  for (const [field, name] of URING_ENGINE_FIELDS) out.add(`${name}_total`, {}, num(engine[field]));
  out.add('uring_busy_poll', {}, flag(engine.busyPoll));
}

function addXdpEngine(out: Collected, xdp: unknown): void {
  if (!isObj(xdp)) return;
  out.add('xdp_busy_poll', {}, flag(xdp.busyPoll));
  if (!isObj(xdp.interfaces)) return;
  for (const [iface, st] of Object.entries(xdp.interfaces)) {
    if (!isObj(st)) continue;
    const labels = { interface: iface };
    out.add('xdp_interface_info', { interface: iface, mode: str(st.mode, '') }, 1);
    for (const [path, name] of XDP_INTERFACE_FIELDS) out.add(`${name}_total`, labels, num(at(st, path)));
    for (const kind of ['malformed', 'refused'] as const) {
      const reasons = st[`${kind}_by_reason`];
      if (!isObj(reasons)) continue;
      for (const [reason, n] of Object.entries(reasons)) {
        out.add(`xdp_${kind}_by_reason_total`, { interface: iface, reason }, num(n));
      }
    }
    if (!Array.isArray(st.queues)) continue;
    for (const q of st.queues) {
      if (!isObj(q)) continue;
      const ql = { interface: iface, queue: str(q.queue, '') };
      for (const [f] of XDP_QUEUE_COUNTERS) out.add(`xdp_queue_${f}_total`, ql, num(q[f]));
      out.add('xdp_queue_tx_backlog', ql, num(q.tx_backlog));
      out.add('xdp_queue_zerocopy', ql, flag(q.zerocopy));
    }
  }
}

/** The samples of every metric in METRICS (by name) for one stats() snapshot. */
export function samples(snapshot: RingsockStats | object | undefined): Map<string, Sample[]> {
  const out = new Collected();
  const st: Loose = isObj(snapshot) ? snapshot : {};
  const backend = str(st.backend, 'unknown');
  out.add('backend_info', { backend }, 1);
  addSockets(out, backend, st.sockets);
  if (backend === 'uring') {
    addUringEngine(out, isObj(st.engine) ? st.engine : st);
  } else if (backend === 'xdp') {
    addXdpEngine(out, st.xdp);
    if (isObj(st.uring)) {
      // The io_uring half: TCP, and the kernel socket each bypass UDP socket also holds.
      addSockets(out, 'uring', st.uring.sockets);
      addUringEngine(out, isObj(st.uring.engine) ? st.uring.engine : st.uring);
    }
  }
  return out.byName;
}
