// Real UDP clients that nobody here wrote, across the veths of `scripts/netns.sh up 12|13`,
// against plain node:dgram servers running unchanged under `-r ./dist/register.js`:
//   * DNS: a server written with the `dns2` npm package (test/fixtures/dns-server.js) in rs12a;
//     kdig (A, AAAA, NXDOMAIN, over IPv4 and IPv6) and dnsperf (bounded: -l, -Q) from rs12b.
//   * sockperf ping-pong and throughput (bounded: -t) against a dgram echo
//     (test/fixtures/udp-sockperf-echo.js) in rs13a, from rs13b.
// The file runs once per backend, as scripts/test.sh runs it:
//   RINGSOCK_BACKEND=node|uring|xdp RINGSOCK_STRICT=1 npx ava test/udp-peers.test.js   (root)
'use strict';
const test = require('ava');
const { execFile, spawnSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const netns = require('./helpers/netns');
const proc = require('./helpers/proc');
const { answerFor } = require('./fixtures/dns-server');

const root = path.join(__dirname, '..');
const register = path.join(root, 'dist', 'register.js');
const BACKEND = process.env.RINGSOCK_BACKEND || (process.env.KERNEL_BYPASS === '1' ? 'xdp' : 'uring');
const DNS_TAG = 12;
const PERF_TAG = 13;
const DNS_PORT = 9530;
const PERF_PORT = 9540;

const isRoot = process.getuid && process.getuid() === 0;
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const tools = ['kdig', 'dnsperf', 'sockperf'].every(have);
const run = isRoot && tools ? test.serial : test.serial.skip;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ringsock-udp-peers-'));
let dnsNet = null;
let perfNet = null;
let dns = null;
let perf = null;

/** Runs argv inside namespace ns (bounded in time); resolves {code, stdout, stderr}, never rejects. */
function inNs(ns, argv, timeoutMs = 30000) {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => resolve({ code: err ? (err.code ?? err.signal) : 0, stdout, stderr,
        cmd: `ip netns exec ${ns} ${argv.join(' ')}` }));
  });
}

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

function serverEnv(dev) {
  const env = { RINGSOCK_BACKEND: BACKEND, RINGSOCK_STRICT: '1' };
  if (BACKEND === 'xdp') env.RINGSOCK_IFACE = dev;
  return env;
}

/** Starts a fixture in namespace `net.a` under the register hook; resolves with its ready line. */
async function startServer(net, fixture, args) {
  const p = proc.start(['-r', register, path.join(__dirname, 'fixtures', fixture), ...args],
    { ns: net.a.ns, env: serverEnv(net.a.dev), cwd: root, timeoutMs: 170000 });
  const line = await p.waitLine((l) => l.includes('"ready"') || l.includes('"error"'), 15000);
  const ready = JSON.parse(line);
  if (!ready.ready) throw new Error(`${fixture} did not start: ${line}; stderr: ${p.stderr}`);
  let n = 0;
  p.report = async () => {
    const tag = `q${++n}`;
    p.child.stdin.write(`stats ${tag}\n`);
    return JSON.parse(await p.waitLine((l) => l.startsWith(`{"tag":"${tag}"`), 5000));
  };
  p.alive = () => p.child.exitCode === null && p.child.signalCode === null;
  p.ready = ready;
  return p;
}

/** Frames the bypass received on its XSKs of `dev` (all queues). */
function xskRx(report, dev) {
  const iface = report.stats && report.stats.xdp && report.stats.xdp.interfaces && report.stats.xdp.interfaces[dev];
  if (!iface) return -1;
  return iface.queues.reduce((sum, q) => sum + q.rx, 0);
}

function xdpAttached(ns, dev) {
  const r = spawnSync('ip', ['-n', ns, 'link', 'show', dev], { encoding: 'utf8', timeout: 10000 });
  return /prog\/xdp|xdpgeneric|xdpdrv| xdp /.test(r.stdout);
}

async function stop(p) {
  if (!p || !p.alive()) return p ? p.result : null;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
  const r = await p.result;
  clearTimeout(timer);
  return r;
}

test.before(() => {
  if (!isRoot || !tools) return;
  dnsNet = netns.up(DNS_TAG);
  perfNet = netns.up(PERF_TAG);
});

test.after.always(async () => {
  for (const p of [dns, perf]) {
    if (p && p.alive()) p.child.kill('SIGKILL');
    if (p) await p.result;
  }
  if (isRoot && tools) {
    netns.down(DNS_TAG);
    netns.down(PERF_TAG);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ---- DNS: dns2 server, kdig and dnsperf ----

/** kdig +short for one name and type; every answer is checked by the callers. */
async function kdig(server, name, type) {
  const r = await inNs(dnsNet.b.ns, ['kdig', `@${server}`, '-p', String(DNS_PORT), name, type,
    '+notcp', '+timeout=2', '+retry=0', '+short'], 10000);
  return { ...r, answers: r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) };
}

const SAMPLE = [0, 1, 7, 199, 249, 250, 4321, 62499];

run(`dns2 server (${BACKEND}): kdig A and AAAA over IPv4 and IPv6, every answer checked; unknown names NXDOMAIN`, async (t) => {
  t.timeout(90000);
  dns = await startServer(dnsNet, 'dns-server.js', [String(DNS_PORT), dnsNet.a.ip4, dnsNet.a.ip6]);
  t.is(dns.ready.backend.name, BACKEND, JSON.stringify(dns.ready));
  t.is(dns.ready.port, DNS_PORT);
  t.is(dns.ready.port6, DNS_PORT);
  if (BACKEND === 'xdp') t.true(xdpAttached(dnsNet.a.ns, dnsNet.a.dev), 'steering program attached while bound');

  let queries = 0;
  for (const server of [dnsNet.a.ip4, dnsNet.a.ip6]) {
    for (const i of SAMPLE) {
      const want = answerFor(i);
      const a = await kdig(server, `n${i}.test`, 'A');
      const aaaa = await kdig(server, `n${i}.test`, 'AAAA');
      queries += 2;
      t.deepEqual(a.answers, [want.a], `${a.cmd}\n${a.stdout}${a.stderr}\nserver stderr: ${dns.stderr}`);
      t.deepEqual(aaaa.answers, [want.aaaa], `${aaaa.cmd}\n${aaaa.stdout}${aaaa.stderr}\nserver stderr: ${dns.stderr}`);
    }
    // A full answer: status, the record as kdig parsed it, from the address it asked.
    const full = await inNs(dnsNet.b.ns, ['kdig', `@${server}`, '-p', String(DNS_PORT), 'n42.test', 'A',
      '+notcp', '+timeout=2', '+retry=0'], 10000);
    queries++;
    t.regex(full.stdout, /status: NOERROR/, full.stdout + full.stderr);
    t.regex(full.stdout, new RegExp(`n42\\.test\\.\\s+300\\s+IN\\s+A\\s+${answerFor(42).a.replace(/\./g, '\\.')}\\b`), full.stdout);
    t.regex(full.stdout, new RegExp(`From ${server.replace(/\./g, '\\.')}@${DNS_PORT}\\(UDP\\)`), full.stdout);
    const nx = await inNs(dnsNet.b.ns, ['kdig', `@${server}`, '-p', String(DNS_PORT), 'nosuch.test', 'A',
      '+notcp', '+timeout=2', '+retry=0'], 10000);
    queries++;
    t.regex(nx.stdout, /status: NXDOMAIN/, nx.stdout + nx.stderr);
    t.regex(nx.stdout, /ANSWER: 0\b/, nx.stdout);
  }
  const rep = await dns.report();
  t.is(rep.requests, queries, JSON.stringify(rep));
  t.is(rep.answered, queries);
  t.is(rep.sendErrors, 0);
  t.is(rep.requestErrors, 0);
  t.deepEqual(rep.byFamily, { IPv4: queries / 2, IPv6: queries / 2 });
  if (BACKEND === 'xdp') {
    t.true(xskRx(rep, dnsNet.a.dev) >= queries, `XSK rx ${xskRx(rep, dnsNet.a.dev)} for ${queries} queries: ${JSON.stringify(rep.stats)}`);
  }
});

/** dnsperf (bounded: -l seconds, -Q queries/s); returns its parsed statistics. */
async function dnsperf(server, seconds, qps, file) {
  const r = await inNs(dnsNet.b.ns, ['dnsperf', '-s', server, '-p', String(DNS_PORT), '-d', file,
    '-l', String(seconds), '-Q', String(qps), '-t', '2'], (seconds + 15) * 1000);
  const num = (re) => { const m = re.exec(r.stdout); return m ? Number(m[1]) : NaN; };
  const codes = /Response codes:\s+(.*)/.exec(r.stdout);
  return {
    r,
    sent: num(/Queries sent:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    codes: codes ? codes[1].trim() : null,
    qps: num(/Queries per second:\s+([\d.]+)/),
    latency: num(/Average Latency \(s\):\s+([\d.]+)/),
  };
}

run(`dns2 server (${BACKEND}): dnsperf over IPv4 and IPv6 (bounded), nothing lost, all NOERROR; answers still right after`, async (t) => {
  t.timeout(120000);
  t.truthy(dns && dns.alive(), 'the DNS server of the previous test runs');
  const file = path.join(tmp, 'queries.txt');
  const lines = [];
  for (let i = 0; i < 500; i++) lines.push(`n${i}.test A`, `n${i}.test AAAA`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  const before = await dns.report();

  const runs = [];
  for (const [server, seconds, qps] of [[dnsNet.a.ip4, 3, 2000], [dnsNet.a.ip6, 2, 1000]]) {
    const p = await dnsperf(server, seconds, qps, file);
    const what = `${p.r.cmd}\n${p.r.stdout}${p.r.stderr}\nserver stderr: ${dns.stderr}`;
    t.is(p.r.code, 0, what);
    t.true(p.sent > qps * seconds * 0.5, `queries sent ${p.sent}: ${what}`);
    t.true(p.sent <= qps * seconds + 100, `the -Q bound held: ${p.sent}`);
    t.is(p.completed, p.sent, what);
    t.is(p.lost, 0, what);
    t.is(p.codes, `NOERROR ${p.sent} (100.00%)`, what);
    runs.push(p);
    t.log(`dnsperf ${server}: ${p.sent} sent, ${p.completed} completed, ${p.lost} lost, ${p.qps} q/s, avg latency ${(p.latency * 1000).toFixed(2)} ms`);
  }
  const sent = runs.reduce((s, p) => s + p.sent, 0);

  // Answers after the load: a sample over both families, each checked.
  let sampled = 0;
  for (const i of [3, 99, 250, 333, 499]) {
    for (const server of [dnsNet.a.ip4, dnsNet.a.ip6]) {
      const a = await kdig(server, `n${i}.test`, 'A');
      const aaaa = await kdig(server, `n${i}.test`, 'AAAA');
      sampled += 2;
      t.deepEqual(a.answers, [answerFor(i).a], `${a.cmd}\n${a.stdout}${a.stderr}`);
      t.deepEqual(aaaa.answers, [answerFor(i).aaaa], `${aaaa.cmd}\n${aaaa.stdout}${aaaa.stderr}`);
    }
  }

  t.true(dns.alive(), `server exited: ${dns.stderr}`);
  const after = await dns.report();
  t.is(after.requests - before.requests, sent + sampled, JSON.stringify(after));
  t.is(after.answered - before.answered, sent + sampled);
  t.is(after.nxdomain, before.nxdomain);
  t.is(after.sendErrors, 0);
  t.is(after.requestErrors, 0);
  if (BACKEND === 'uring') {
    t.true(after.stats.rxDatagrams - before.stats.rxDatagrams >= sent + sampled, JSON.stringify(after.stats));
  }
  if (BACKEND === 'xdp') {
    const rx = xskRx(after, dnsNet.a.dev) - xskRx(before, dnsNet.a.dev);
    t.true(rx >= sent + sampled, `XSK rx ${rx} for ${sent + sampled} queries: ${JSON.stringify(after.stats.xdp)}`);
    t.log(`XSK rx during the load: ${rx} frames for ${sent + sampled} queries`);
  }
});

run(`dns2 server (${BACKEND}): SIGTERM ends it with its counters; no XDP program left on ${'rs12a0'}`, async (t) => {
  t.truthy(dns, 'the DNS server was started');
  t.true(dns.alive(), `server exited early: ${dns.stderr}`);
  const r = await stop(dns);
  t.is(r.code, 0, r.stderr);
  const final = JSON.parse(r.lines.find((l) => l.startsWith('{"final"')) || '{}');
  t.true(final.requests > 0 && final.requests === final.answered, JSON.stringify(final));
  t.false(xdpAttached(dnsNet.a.ns, dnsNet.a.dev), spawnSync('ip', ['-n', dnsNet.a.ns, 'link'], { encoding: 'utf8' }).stdout);
});

// ---- sockperf against a dgram echo ----

/** sockperf summary lines (ANSI colours removed). */
function parseSockperf(out) {
  const s = stripAnsi(out);
  const num = (re) => { const m = re.exec(s); return m ? Number(m[1]) : NaN; };
  const drops = /# dropped messages = (\d+); # duplicated messages = (\d+); # out-of-order messages = (\d+)/.exec(s);
  return {
    text: s,
    latency: num(/Summary: Latency is ([\d.]+) usec/),
    observations: num(/Total (\d+) observations/),
    p50: num(/percentile 50\.000 =\s+([\d.]+)/),
    p99: num(/percentile 99\.000 =\s+([\d.]+)/),
    drops: drops ? { dropped: Number(drops[1]), duplicated: Number(drops[2]), outOfOrder: Number(drops[3]) } : null,
    sentTotal: num(/Total of (\d+) messages sent/),
    rate: num(/Summary: Message Rate is (\d+)/),
  };
}

async function pingPong(t, seconds) {
  const r = await inNs(perfNet.b.ns, ['sockperf', 'ping-pong', '-i', perfNet.a.ip4, '-p', String(PERF_PORT),
    '-t', String(seconds), '--msg-size', '64'], (seconds + 15) * 1000);
  const p = parseSockperf(r.stdout + r.stderr);
  const what = `${r.cmd}\n${p.text}\nserver stderr: ${perf.stderr}`;
  t.is(r.code, 0, what);
  t.true(p.observations > 0, `observations: ${what}`);
  t.true(p.latency > 0, what);
  t.deepEqual(p.drops, { dropped: 0, duplicated: 0, outOfOrder: 0 }, what);
  return p;
}

run(`sockperf (${BACKEND}): ping-pong and throughput against a plain dgram echo; the server stays up`, async (t) => {
  t.timeout(90000);
  perf = await startServer(perfNet, 'udp-sockperf-echo.js', [String(PERF_PORT), '0.0.0.0']);
  t.is(perf.ready.backend.name, BACKEND, JSON.stringify(perf.ready));
  if (BACKEND === 'xdp') t.true(xdpAttached(perfNet.a.ns, perfNet.a.dev), 'steering program attached while bound');
  const r0 = await perf.report();

  const pp = await pingPong(t, 2);
  t.log(`ping-pong: ${pp.observations} observations, avg ${pp.latency} us, p50 ${pp.p50} us, p99 ${pp.p99} us (blocking client)`);
  const r1 = await perf.report();
  // Every round trip sockperf observed was a datagram the server received and echoed.
  t.true(r1.echoed - r0.echoed >= pp.observations, JSON.stringify(r1));
  t.true(r1.sockperfLike - r0.sockperfLike >= pp.observations);

  const tp = await inNs(perfNet.b.ns, ['sockperf', 'throughput', '-i', perfNet.a.ip4, '-p', String(PERF_PORT),
    '-t', '2', '--msg-size', '64'], 20000);
  const tpr = parseSockperf(tp.stdout + tp.stderr);
  t.is(tp.code, 0, `${tp.cmd}\n${tpr.text}`);
  t.true(tpr.sentTotal > 0 && tpr.rate > 0, tpr.text);
  await new Promise((res) => setTimeout(res, 300));
  t.true(perf.alive(), `server exited during the throughput run: ${perf.stderr}`);
  const r2 = await perf.report();
  const got = r2.received - r1.received;
  t.true(got > 0 && got <= tpr.sentTotal + 1000, `server received ${got} of ${tpr.sentTotal}`);
  t.is(r2.sendErrors, 0, JSON.stringify(r2));
  t.log(`throughput: client sent ${tpr.sentTotal} (${tpr.rate} msg/s); server received ${got} (${(100 * got / tpr.sentTotal).toFixed(1)}%)`);

  // Still answering after the flood.
  const again = await pingPong(t, 1);
  t.log(`ping-pong after the flood: ${again.observations} observations, avg ${again.latency} us`);
  const r3 = await perf.report();
  if (BACKEND === 'xdp') {
    const rx = xskRx(r3, perfNet.a.dev) - xskRx(r0, perfNet.a.dev);
    t.true(rx >= pp.observations + again.observations, `XSK rx ${rx}: ${JSON.stringify(r3.stats.xdp)}`);
  }
  if (BACKEND === 'uring') t.true(r3.stats.rxDatagrams - r0.stats.rxDatagrams >= r3.received - r0.received);
  const r = await stop(perf);
  t.is(r.code, 0, r.stderr);
  t.false(xdpAttached(perfNet.a.ns, perfNet.a.dev), 'no XDP program left on rs13a0');
});
