'use strict';
// What is measured. Servers run in ns A on the backend under test; load comes from ns B.
// parse() turns one run's output into {value, p50_us, p99_us, extra, problems[]}; a problem
// (mismatched payload, lost replies, errors) is kept next to the numbers, never hidden.
const path = require('path');
const P = require('./parse');
const { BIN } = require('./backends');

const bin = (n) => path.join(BIN, n);
const PORT = { udp: 9000, tcp: 9001, sink: 9002, mcast: 9003, http: 8080, https: 8443, h2: 8082, grpc: 8083 };
const GROUP = '239.7.7.7';
const RECEIVERS = 3;

const udpEchoServers = () => [{ file: 'udp_echo.js', args: ['--port', PORT.udp] }];
// C reference servers: (backend, topology, max lifetime in s) -> [{argv}]
const cUdpServers = (b, t, max) => ({
  'c-epoll': [{ argv: [bin('udp_epoll_echo'), '-p', PORT.udp, '-t', max] }],
  'c-uring': [{ argv: [bin('uring_echo'), '-u', '-p', PORT.udp, '-t', max] }],
  'c-xdp': [{ argv: [bin('xsk_echo'), '-i', t.ifA, '-p', PORT.udp, '-P', 'busy', '-t', max] }],
})[b.id];
// TCP: uring_echo takes tcp_epoll_echo's options (-p, -a echo|sink, -t) and prints its RECEIVED line.
const cTcpServer = (action, port) => (b, t, max) => [{ argv: [bin(b.id === 'c-uring' ? 'uring_echo' : 'tcp_epoll_echo'), '-p', port, '-a', action, '-t', max] }];
const cTcpEcho = cTcpServer('echo', PORT.tcp);

function udpEcho(w) {
  return {
    id: `udp-echo-w${w}`, group: 'udp', module: 'dgram', quick: w === 32, refs: ['c-epoll', 'c-uring', 'c-xdp'],
    title: `UDP echo, 64 B, ${w} in flight${w === 1 ? ' (spinning client)' : ''}`,
    metric: { key: 'msgs_per_s', label: 'echoes/s', unit: 'msg/s', better: 'higher' },
    tool: `benchmarks/bin/udp_load -w ${w} -s 64${w === 1 ? ' -S' : ''}`,
    servers: udpEchoServers, cServers: cUdpServers,
    client: (t, secs) => [bin('udp_load'), '-d', t.addrA, '-p', PORT.udp, '-w', w, '-s', 64, '-t', secs, '-T', 0.3, ...(w === 1 ? ['-S'] : [])],
    limit: (secs) => secs + 10,
    parse(out) {
      const r = P.resultLine(out, 'udp_load');
      const problems = [];
      if (r.mismatches) problems.push(`${r.mismatches} replies differed from the request`);
      if (r.lost) problems.push(`${r.lost} requests without reply (200 ms timeout)`);
      return { value: r.msgs_per_s, p50_us: r.p50_us, p99_us: r.p99_us,
        extra: { p90_us: r.p90_us, p999_us: r.p999_us, ok: r.ok, mismatches: r.mismatches, lost: r.lost, late: r.late }, problems };
    },
  };
}

/** wrk's output as a run: every response a 2xx, no socket error (else problems). */
function wrkRun(out) {
  const r = P.wrk(out);
  const problems = [];
  if (r.socket_errors) problems.push(`${r.socket_errors} socket errors`);
  if (r.non2xx) problems.push(`${r.non2xx} non-2xx responses`);
  return { value: r.req_per_s, p50_us: r.p50_us, p99_us: r.p99_us, extra: { p90_us: r.p90_us, requests: r.requests, socket_errors: r.socket_errors, non2xx: r.non2xx }, problems };
}

/** wrk against the unchanged http app; `extra` names it and may add warm-up loads. */
function httpKeepalive(extra) {
  return {
    group: 'http', module: 'net', quick: true, refs: [],
    metric: { key: 'req_per_s', label: 'requests/s', unit: 'req/s', better: 'higher' },
    tool: 'wrk -t1 -c16 --latency',
    servers: () => [{ file: 'http_hello.js', args: ['--port', PORT.http] }],
    client: (t, secs) => ['wrk', '-t1', '-c16', `-d${Math.max(1, Math.round(secs))}s`, '--timeout', '2s', '--latency', `http://${t.addrA}:${PORT.http}/`],
    limit: (secs) => Math.max(1, Math.round(secs)) + 10,
    parse: wrkRun,
    ...extra,
  };
}

/**
 * h2load's output as a run. Problems: failed, errored or timed-out requests, any status but
 * 2xx, and (count-bounded runs) requests that never finished. In a -D run the requests still
 * in flight when the time is up are left out by h2load itself ("started" > "done").
 */
function h2loadRun(out, wanted) {
  const r = P.h2load(out);
  const problems = [];
  if (r.failed) problems.push(`${r.failed} failed requests`);
  if (r.errored) problems.push(`${r.errored} errored requests`);
  if (r.timeout) problems.push(`${r.timeout} timed-out requests`);
  if (r.status_other) problems.push(`${r.status_other} non-2xx responses`);
  if (wanted && r.done < wanted) problems.push(`${wanted - r.done} of ${wanted} requests not done`);
  if (!r.done) problems.push('no request done');
  return { r, problems, extra: { req_per_s: r.req_per_s, duration_ms: r.duration_ms, done: r.done, failed: r.failed, errored: r.errored, timeout: r.timeout,
    non2xx: r.status_other, mean_us: r.mean_us, sd_us: r.sd_us, min_us: r.min_us, max_us: r.max_us } };
}

const SEQUENTIAL = 1000;
const h2Servers = () => [{ file: 'h2_hello.js', args: ['--port', PORT.h2] }];
// -N: a connection silent for 2 s is given up (counted as failed), so a stalled server ends the run.
const h2load = (t, ...opts) => ['h2load', ...opts, '-N', '2', `http://${t.addrA}:${PORT.h2}/`];

const SCENARIOS = [
  udpEcho(1), udpEcho(32), udpEcho(128),
  {
    id: 'udp-pingpong', group: 'udp', module: 'dgram', quick: true, refs: ['c-epoll', 'c-uring', 'c-xdp'],
    title: 'UDP ping-pong latency, 64 B (sockperf --nonblocked --full-rtt)',
    metric: { key: 'p50_us', label: 'round trip p50', unit: 'µs', better: 'lower' },
    tool: 'sockperf ping-pong -m 64 --nonblocked --full-rtt',
    servers: udpEchoServers, cServers: cUdpServers,
    client: (t, secs) => ['sockperf', 'ping-pong', '-i', t.addrA, '-p', PORT.udp, '-m', 64, '-t', Math.max(1, Math.round(secs)), '--nonblocked', '--full-rtt'],
    limit: (secs) => Math.max(1, Math.round(secs)) + 15,
    parse(out) {
      const r = P.sockperf(out);
      const problems = [];
      if (r.dropped) problems.push(`sockperf counted ${r.dropped} dropped messages`);
      return { value: r.p50_us, p50_us: r.p50_us, p99_us: r.p99_us,
        extra: { p90_us: r.p90_us, p999_us: r.p999_us, min_us: r.min_us, max_us: r.max_us, msgs_per_s: Math.round(r.msgs_per_s), dropped: r.dropped }, problems };
    },
  },
  {
    id: 'udp-multicast', group: 'udp', module: 'dgram', quick: true, refs: [], serversPerRun: true,
    title: `UDP multicast fan-out, 64 B, 1 sender → ${RECEIVERS} receiver processes`,
    metric: { key: 'msgs_per_s', label: 'delivered/s per receiver', unit: 'msg/s', better: 'higher' },
    tool: `benchmarks/bin/mcast_send (unpaced) → ${RECEIVERS} × servers/mcast_recv.js`,
    servers: (t) => Array.from({ length: RECEIVERS }, () => ({ file: 'mcast_recv.js', args: ['--group', GROUP, '--port', PORT.mcast, '--iface', t.addrA] })),
    client: (t, secs) => [bin('mcast_send'), '-g', GROUP, '-p', PORT.mcast, '-i', t.addrB, '-s', 64, '-t', secs],
    limit: (secs) => secs + 10,
    parse(out, serverOuts) {
      const s = P.resultLine(out, 'mcast_send');
      const recv = serverOuts.map((o) => P.resultLine(o, 'mcast_recv'));
      const total = recv.reduce((a, r) => a + r.received, 0), mism = recv.reduce((a, r) => a + r.mismatches, 0);
      const problems = [];
      if (mism) problems.push(`${mism} datagrams with a wrong payload`);
      if (!total) problems.push('no receiver got anything');
      return { value: total / recv.length / s.secs, p50_us: null, p99_us: null,
        extra: { sent_per_s: s.msgs_per_s, sent: s.sent, received: recv.map((r) => r.received),
          delivered_pct: s.sent ? Math.round(1000 * total / (s.sent * recv.length)) / 10 : 0, mismatches: mism }, problems };
    },
  },
  ...[1, 16].map((c) => ({
    id: `tcp-rr-c${c}`, group: 'tcp', module: 'net', quick: c === 1, refs: ['c-epoll', 'c-uring'], cServers: cTcpEcho,
    title: `TCP request/response, 64 B, ${c} connection${c > 1 ? 's' : ''} × 1 in flight`,
    metric: { key: 'msgs_per_s', label: 'round trips/s', unit: 'msg/s', better: 'higher' },
    tool: `benchmarks/bin/tcp_load -m rr -c ${c} -s 64`,
    servers: () => [{ file: 'tcp_echo.js', args: ['--port', PORT.tcp] }],
    client: (t, secs) => [bin('tcp_load'), '-d', t.addrA, '-p', PORT.tcp, '-m', 'rr', '-c', c, '-s', 64, '-t', secs, '-T', 0.3],
    limit: (secs) => secs + 10,
    parse(out) {
      const r = P.resultLine(out, 'tcp_load');
      const problems = [];
      if (r.mismatches) problems.push(`${r.mismatches} replies differed from the request`);
      if (r.errors) problems.push(`${r.errors} connection errors`);
      return { value: r.msgs_per_s, p50_us: r.p50_us, p99_us: r.p99_us, extra: { p90_us: r.p90_us, p999_us: r.p999_us, mismatches: r.mismatches, errors: r.errors }, problems };
    },
  })),
  {
    id: 'tcp-bulk', group: 'tcp', module: 'net', quick: true, refs: ['c-epoll', 'c-uring'],
    cServers: cTcpServer('sink', PORT.sink),
    title: 'TCP bulk throughput, 1 connection into a Node sink (bytes confirmed by the sink)',
    metric: { key: 'gbit_per_s', label: 'throughput', unit: 'Gbit/s', better: 'higher' },
    tool: 'benchmarks/bin/tcp_bulk (64 KiB writes) → servers/tcp_sink.js',
    servers: () => [{ file: 'tcp_sink.js', args: ['--port', PORT.sink] }],
    client: (t, secs) => [bin('tcp_bulk'), '-d', t.addrA, '-p', PORT.sink, '-t', secs],
    limit: (secs) => secs + 15,
    parse(out) {
      const r = P.resultLine(out, 'tcp_bulk');
      const problems = r.mismatches ? [`sink counted ${r.received} bytes, ${r.sent} were sent`] : [];
      return { value: r.gbit_per_s, p50_us: null, p99_us: null, extra: { sent: r.sent, received: r.received }, problems };
    },
  },
  {
    id: 'tcp-connect', group: 'tcp', module: 'net', quick: true, refs: ['c-epoll', 'c-uring'], cServers: cTcpEcho,
    title: 'TCP connection rate: 8 concurrent connect + 64 B echo + close',
    metric: { key: 'conns_per_s', label: 'connections/s', unit: 'conn/s', better: 'higher' },
    tool: 'benchmarks/bin/tcp_load -m crr -c 8 -s 64',
    servers: () => [{ file: 'tcp_echo.js', args: ['--port', PORT.tcp] }],
    client: (t, secs) => [bin('tcp_load'), '-d', t.addrA, '-p', PORT.tcp, '-m', 'crr', '-c', 8, '-s', 64, '-t', secs, '-T', 0.3],
    limit: (secs) => secs + 10,
    parse(out) {
      const r = P.resultLine(out, 'tcp_load');
      const problems = [];
      if (r.mismatches) problems.push(`${r.mismatches} replies differed from the request`);
      if (r.errors) problems.push(`${r.errors} failed connections`);
      return { value: r.conns_per_s, p50_us: r.p50_us, p99_us: r.p99_us, extra: { p90_us: r.p90_us, mismatches: r.mismatches, errors: r.errors }, problems };
    },
  },
  httpKeepalive({
    id: 'http-keepalive', title: 'HTTP/1.1 keep-alive hello (wrk -t1 -c16), fresh server',
  }),
  // The same load on a server that has already served two wrk runs: V8 reoptimizes Node's
  // stream and http code (deopts "wrong map") when the first connections close and the next
  // ones open, for every backend, and those milliseconds decide the fresh server's p99.
  httpKeepalive({
    id: 'http-keepalive-warm', quick: false, title: 'HTTP/1.1 keep-alive hello (wrk -t1 -c16), after 2 warm-up wrk runs',
    warmup: (t) => [2, 1].map((secs) => ['wrk', '-t1', '-c16', `-d${secs}s`, '--timeout', '2s', `http://${t.addrA}:${PORT.http}/`]),
  }),
  httpKeepalive({
    id: 'https-keepalive', title: 'HTTPS (TLS 1.3) keep-alive hello (wrk -t1 -c16), fresh server, self-signed RSA 2048 certificate',
    tool: 'wrk -t1 -c16 --latency https://',
    needsCert: true,
    servers: (t, ctx) => [{ file: 'https_hello.js', args: ['--port', PORT.https, '--key', ctx.cert.key, '--cert', ctx.cert.cert] }],
    client: (t, secs) => ['wrk', '-t1', '-c16', `-d${Math.max(1, Math.round(secs))}s`, '--timeout', '2s', '--latency', `https://${t.addrA}:${PORT.https}/`],
  }),
  {
    id: 'h2-keepalive', group: 'http', module: 'net', quick: false, refs: [],
    title: 'HTTP/2 h2c hello, 16 connections × 1 stream in flight (h2load -c16 -m1 -D), fresh server; h2load gives the mean request time, no percentiles',
    metric: { key: 'req_per_s', label: 'requests/s', unit: 'req/s', better: 'higher' },
    tool: 'h2load -c 16 -m 1 -D <secs>',
    servers: h2Servers,
    client: (t, secs) => h2load(t, '-c', 16, '-m', 1, '-D', Math.max(1, Math.round(secs))),
    limit: (secs) => Math.max(1, Math.round(secs)) + 10,
    parse(out) {
      const { r, problems, extra } = h2loadRun(out);
      return { value: r.req_per_s, p50_us: null, p99_us: null, extra, problems };
    },
  },
  {
    id: 'h2-sequential', group: 'http', module: 'net', quick: true, refs: [],
    title: `HTTP/2 h2c hello, ${SEQUENTIAL.toLocaleString('en')} sequential requests on 1 connection (h2load -c1 -m1 -n${SEQUENTIAL}): time from connect to the last response, fresh server`,
    metric: { key: 'ms', label: `time for ${SEQUENTIAL.toLocaleString('en')} requests`, unit: 'ms', better: 'lower' },
    tool: `h2load -c 1 -m 1 -n ${SEQUENTIAL}`,
    servers: h2Servers,
    client: (t) => h2load(t, '-c', 1, '-m', 1, '-n', SEQUENTIAL),
    limit: () => 30,   // a count, not a duration: --secs does not apply
    parse(out) {
      const { r, problems, extra } = h2loadRun(out, SEQUENTIAL);
      return { value: r.duration_ms, p50_us: null, p99_us: null, extra, problems };
    },
  },
  {
    id: 'grpc-sequential', group: 'http', module: 'net', quick: false, refs: [],
    title: `gRPC unary hello (@grpc/grpc-js, plaintext h2c), ${SEQUENTIAL.toLocaleString('en')} sequential calls on 1 channel, every reply checked: time from the first call to the last reply, fresh server; the client is grpc-js on Node's own sockets`,
    metric: { key: 'ms', label: `time for ${SEQUENTIAL.toLocaleString('en')} calls`, unit: 'ms', better: 'lower' },
    tool: `benchmarks/clients/grpc_unary.js --calls ${SEQUENTIAL}`,
    servers: () => [{ file: 'grpc_hello.js', args: ['--port', PORT.grpc] }],
    client: (t) => [process.execPath, path.join(__dirname, '..', 'clients', 'grpc_unary.js'), '--target', `${t.addrA}:${PORT.grpc}`, '--calls', SEQUENTIAL, '--max-secs', 25],
    limit: () => 30,   // a count, not a duration: --secs does not apply
    parse(out) {
      const r = P.resultLine(out, 'grpc_unary');
      const problems = [];
      if (r.errors) problems.push(`${r.errors} calls failed`);
      if (r.bad) problems.push(`${r.bad} replies differed from what was asked`);
      if (r.ok !== SEQUENTIAL) problems.push(`${r.ok} of ${SEQUENTIAL} calls answered correctly`);
      return { value: r.ms, p50_us: null, p99_us: null, extra: { ok: r.ok, bad: r.bad, errors: r.errors }, problems };
    },
  },
];

/**
 * A scenario's server as a Node cluster of `workers` (servers/cluster.js: round robin for TCP,
 * the primary's shared socket for UDP, as Node does), for builtin, uring and xdp. Not pinned:
 * the workers and the load client share every CPU (2 here), so one worker per CPU is possible.
 * The 1-worker row says how far the second worker gets under the same layout.
 */
function clusterOf(id, workers) {
  const base = SCENARIOS.find((x) => x.id === id);
  return {
    ...base, id: `${id}-cluster${workers}`, quick: false, refs: [], rows: ['builtin', 'uring', 'xdp'], unpinned: true,
    title: `${base.title}; Node cluster, ${workers} worker${workers > 1 ? 's' : ''} (servers and load not pinned: they share both CPUs)`,
    servers: (t, ctx) => base.servers(t, ctx).map((x) => ({ file: 'cluster.js', args: ['--workers', workers, '--app', x.file, ...x.args] })),
  };
}
SCENARIOS.push(...['udp-echo-w32', 'tcp-rr-c16', 'http-keepalive'].flatMap((id) => [1, 2].map((w) => clusterOf(id, w))));

module.exports = { SCENARIOS, PORT };
