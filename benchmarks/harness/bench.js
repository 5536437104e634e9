#!/usr/bin/env node
'use strict';
// The benchmark harness (benchmarks/run.sh calls this as root):
//   node benchmarks/harness/bench.js [--quick] [--only udp|tcp|http|<scenario id>[,…]] [--backends id,…] [--runs N] [--secs S]
// Every scenario × backend cell: N runs (interleaved with the other backends' runs), each
// starting the server(s) in ns A on that backend and the load in ns B; the median with min–max
// is kept. Numbers are only ever measured in this run.
const path = require('path');
const T = require('./topology');
const B = require('./backends');
const { SCENARIOS } = require('./scenarios');
const procs = require('./procs');
const stats = require('./stats');
const Cell = require('./cell');
const machine = require('./machine');
const reportJson = require('./report-json');
const reportHtml = require('./report-html');
const table = require('./table');
const tlsCert = require('./tls-cert');
const verdict = require('./verdict');

const fs = require('fs');
const os = require('os');
const SERVERS_SRC = path.join(T.ROOT, 'benchmarks', 'servers');
// The servers run from a byte-identical copy (checked) outside the package, like app code:
// what the register hook gives them then does not depend on whether it counts files inside the
// package as its own (builds before the register-map fix handed those Node's modules).
let SERVERS = null;
let CERT = null;   // {key, cert} paths when a selected scenario serves TLS (harness/tls-cert.js)
function copyServers() {
  // run.sh makes the directory (and removes it whatever happens to this process)
  let dir = process.env.RINGSOCK_BENCH_SERVERS_DIR;
  if (!dir || path.resolve(dir).startsWith(T.ROOT + path.sep)) dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringsock-bench-servers-'));
  else fs.mkdirSync(dir, { recursive: true });
  const files = fs.readdirSync(SERVERS_SRC).filter((f) => f.endsWith('.js'));
  for (const f of files) fs.copyFileSync(path.join(SERVERS_SRC, f), path.join(dir, f));
  fs.copyFileSync(path.join(__dirname, 'announce.js'), path.join(dir, 'announce.js'));
  // The servers' own dependencies (@grpc/grpc-js), as an app has its node_modules.
  const modules = path.join(dir, 'node_modules');
  if (!fs.existsSync(modules)) fs.symlinkSync(path.join(T.ROOT, 'node_modules'), modules, 'dir');
  for (const f of files) {
    if (!fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(SERVERS_SRC, f)))) throw new Error(`copy of ${f} differs`);
  }
  return dir;
}
const RESULTS = path.join(T.ROOT, 'benchmarks', 'results');

function parseArgs(argv) {
  const o = { quick: false, only: null, backends: null, runs: null, secs: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--only') o.only = argv[++i];
    else if (a.startsWith('--only=')) o.only = a.slice(7);
    else if (a === '--backends') o.backends = argv[++i].split(',');
    else if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--secs') o.secs = Number(argv[++i]);
    else if (a === '-h' || a === '--help') { console.log('usage: run.sh [--quick] [--only udp|tcp|http|<scenario id>[,…]] [--backends id,…] [--runs N] [--secs S]'); process.exit(0); }
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.only) {
    o.only = o.only.split(',');
    const known = new Set(['udp', 'tcp', 'http', ...SCENARIOS.map((s) => s.id)]);
    const bad = o.only.filter((x) => !known.has(x));
    if (bad.length) throw new Error(`--only takes udp, tcp, http or scenario ids (${bad.join(', ')} unknown)`);
  }
  o.runs = Math.min(10, Math.max(1, Math.round(o.runs || (o.quick ? 1 : 3))));
  o.secs = Math.min(30, Math.max(0.5, o.secs || (o.quick ? 1 : 2)));
  return o;
}

const tty = process.stderr.isTTY;
function progress(line, final) {
  if (tty) process.stderr.write(`\r\x1b[K${line}${final ? '\n' : ''}`);
  else process.stderr.write(line + '\n');   // a log: one line per run and per result
}

function applicable(s, b) {
  if (s.rows) return s.rows.includes(b.id);
  return b.kind === 'reference' ? s.refs.includes(b.id) : true;
}

function serverSpecs(s, b, topo, opt) {
  // Servers end by themselves too: a bound lifetime well past the cell's runs.
  const max = Math.ceil(opt.runs * (s.limit(opt.secs) + 5) + 60);
  if (b.kind === 'reference') return s.cServers(b, topo, max).map((x) => ({ argv: x.argv.map(String), env: {} }));
  return s.servers(topo, { cert: CERT }).map((x) => ({
    argv: [...B.nodeArgv(b, SERVERS), path.join(SERVERS, x.file), ...x.args.map(String), '--max-secs', String(max)], env: b.env,
  }));
}

let topo = null, cleaning = false;
async function cleanup(code) {
  if (cleaning) return;
  cleaning = true;
  await procs.killAll();
  if (topo && topo.up) { T.forceDetach(topo); T.down(topo); }
  if (code !== undefined) process.exit(code);
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  if (process.getuid && process.getuid() !== 0) throw new Error('the benchmarks need root (network namespaces, XDP)');
  const tag = Number(process.env.RINGSOCK_BENCH_TAG || 7);
  topo = T.topology(tag);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { process.stderr.write(`\nbench: ${sig}, cleaning up\n`); cleanup(130); });
  process.on('exit', () => { if (topo && topo.up) { T.forceDetach(topo); T.down(topo); } });

  const facts = machine.facts();
  SERVERS = copyServers();
  process.on('exit', () => { try { fs.rmSync(SERVERS, { recursive: true, force: true }); } catch { /* gone */ } });
  progress(`bench: topology ${topo.nsA} ↔ ${topo.nsB} …`, true);
  T.up(topo);

  // builtin always runs: every ratio is against it.
  const all = B.list(topo);
  const unknown = (opt.backends || []).filter((id) => !all.some((b) => b.id === id));
  if (unknown.length) throw new Error(`--backends: ${unknown.join(', ')} unknown (${all.map((b) => b.id).join(', ')})`);
  const backends = all.filter((b) => !opt.backends || b.id === 'builtin' || opt.backends.includes(b.id));
  for (const b of backends) B.probe(b, topo);
  const cx = backends.find((b) => b.id === 'c-xdp');
  if (cx && cx.info) facts.xdp = { mode: cx.info.xdp_mode, zerocopy: cx.info.zerocopy, source: 'C reference xsk_echo attached to the veth at start' };
  if (T.xdpAttached(topo)) T.forceDetach(topo);
  for (const b of backends) progress(`bench: ${b.id.padEnd(11)} ${b.available ? 'available' : 'unavailable: ' + b.reason}`, true);
  for (const w of verdict.loadWarnings(facts)) progress(`bench: WARNING: ${w}`, true);

  const scen = SCENARIOS.filter((s) => (!opt.only || opt.only.includes(s.group) || opt.only.includes(s.id)) && (!opt.quick || s.quick));
  if (scen.some((s) => s.needsCert)) CERT = tlsCert.make(SERVERS);
  const total = scen.reduce((n, s) => n + backends.filter((b) => applicable(s, b)).length, 0) * opt.runs;
  let toMeasure = scen.reduce((n, s) => n + backends.filter((b) => applicable(s, b) && b.available).length, 0) * opt.runs;
  const results = {};
  const t0 = Date.now();
  let done = 0, measured = 0, measuredMs = 0;
  // Runs interleaved across backends (run 1 of every row, then run 2 …): load changes on this
  // shared machine then hit every row of a scenario alike.
  for (const s of scen) {
    const rows = backends.filter((b) => applicable(s, b));
    const cells = new Map(rows.map((b) => [b.id, Cell.newCell()]));
    for (const b of rows) if (!b.available) cells.get(b.id).unavailable = b.reason;
    for (let r = 1; r <= opt.runs && !cleaning; r++) {
      for (const b of rows) {
        const c = cells.get(b.id);
        done++;
        if (c.unavailable || cleaning) { if (b.available) toMeasure--; continue; }
        const left = verdict.eta(measuredMs, measured, toMeasure - measured);
        progress(`[${String(done).padStart(3)}/${total}] ${s.id} · ${b.id} · run ${r}/${opt.runs} (${Math.round((Date.now() - t0) / 1000)} s${left ? ', ' + left : ''})`);
        const t1 = Date.now();
        await Cell.runOnce(c, s, b, serverSpecs(s, b, topo, opt), topo, opt, facts);
        measured++;
        measuredMs += Date.now() - t1;
      }
    }
    if (cleaning) break;
    results[s.id] = {};
    for (const b of rows) {
      const cell = results[s.id][b.id] = Cell.finish(cells.get(b.id));
      const runsOn = verdict.runsOn(s, b);
      if (runsOn) cell.runs_on = runsOn;
      const shown = cell.status === 'ok'
        ? `${s.metric.label} ${cell.value.median.toFixed(s.metric.unit === 'Gbit/s' ? 2 : 1)} ${s.metric.unit} (${cell.value.n} run${cell.value.n > 1 ? 's' : ''}${cell.value.noisy ? ', noisy' : ''})${cell.problems.length ? ' [' + cell.problems.join('; ') + ']' : ''}`
        : `unavailable: ${cell.reason}`;
      progress(`${s.id} · ${b.id}: ${shown}`, true);
    }
  }
  if (cleaning) return new Promise(() => {});   // a signal arrived: cleanup() exits the process

  for (const s of scen) {
    const base = results[s.id].builtin;
    for (const b of backends) {
      const c = results[s.id][b.id];
      if (!c || c.status !== 'ok') continue;
      c.ratio_vs_builtin = base && base.status === 'ok' ? stats.ratio(c.value.median, base.value.median, s.metric.better) : null;
    }
  }
  facts.loadavg_end = require('os').loadavg().map((x) => Math.round(x * 100) / 100);
  facts.load_warnings = verdict.loadWarnings(facts);
  const report = {
    schema: 'ringsock-bench/1',
    generated: new Date().toISOString(),
    quick: opt.quick, only: opt.only, runs_per_cell: opt.runs, secs_per_run: opt.secs,
    noisy_spread: stats.NOISY_SPREAD, duration_s: Math.round((Date.now() - t0) / 1000),
    machine: facts,
    cpu_pinning: procs.PIN ? { servers: procs.PIN.server, clients: procs.PIN.client } : null,
    servers_dir: SERVERS, servers_note: 'benchmarks/servers/*.js run from a byte-identical copy outside the package, as app code would',
    topology: { server_ns: topo.nsA, client_ns: topo.nsB, server_if: topo.ifA, server_addr: topo.addrA, client_addr: topo.addrB, link: 'veth pair, 1 queue, tx checksum offload off' },
    backends: backends.map((b) => ({ id: b.id, label: b.label, kind: b.kind, busy: !!b.busy, available: !!b.available, reason: b.reason || '', env: b.env || {}, probe: b.info || null })),
    scenarios: scen.map((s) => ({ id: s.id, group: s.group, module: s.module, title: s.title, metric: s.metric, tool: s.tool,
      backends: backends.filter((b) => applicable(s, b)).map((b) => b.id) })),
    results,
  };
  report.workloads = verdict.workloads(report);
  const jf = reportJson.write(RESULTS, report);
  const hf = reportHtml.write(RESULTS, report);
  process.stdout.write(table.render(report));
  process.stdout.write(`results: ${path.relative(process.cwd(), jf)}, ${path.relative(process.cwd(), hf)}\n`);

  await cleanup();
  const left = T.leftovers(topo);
  if (left.length) { console.error(`bench: namespaces left behind: ${left.join(' ')}`); return 1; }
  const builtinBroken = scen.filter((s) => results[s.id].builtin.status !== 'ok').map((s) => s.id);
  if (builtinBroken.length) { console.error(`bench: the builtin row failed in ${builtinBroken.join(', ')} — the harness or the machine is broken`); return 1; }
  return 0;
}

main().then((code) => process.exit(code), async (err) => {
  console.error(`bench: ${err.stack || err}`);
  await cleanup(1);
});
