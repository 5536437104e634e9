'use strict';
// Parsers for the load tools' output. Each returns an object of numbers or throws with the cause.

/** "RESULT tool=x a=1 b=2.5 ..." -> {tool:'x', a:1, b:2.5} (first RESULT line with that tool). */
function resultLine(text, tool) {
  for (const line of text.split('\n')) {
    if (!line.startsWith('RESULT ')) continue;
    const o = {};
    for (const kv of line.slice(7).trim().split(/\s+/)) {
      const i = kv.indexOf('=');
      if (i < 0) continue;
      const k = kv.slice(0, i), v = kv.slice(i + 1);
      o[k] = v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
    }
    if (!tool || o.tool === tool) return o;
  }
  throw new Error(`no RESULT line${tool ? ` from ${tool}` : ''}`);
}

/** All RESULT lines of a tool. */
function resultLines(text, tool) {
  const out = [];
  for (const line of text.split('\n')) if (line.startsWith('RESULT ')) {
    try { const o = resultLine(line, tool); out.push(o); } catch { /* other tool */ }
  }
  return out;
}

const strip = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

/** sockperf ping-pong: percentiles (µs, round trip with --full-rtt) and the valid-period rate. */
function sockperf(text) {
  text = strip(text);
  if (/No messages were received/.test(text)) throw new Error('sockperf: no messages were received from the server');
  const pct = {};
  for (const m of text.matchAll(/percentile\s+([\d.]+)\s*=\s*([\d.]+)/g)) pct[m[1]] = Number(m[2]);
  const v = text.match(/\[Valid Duration\] RunTime=([\d.]+) sec; SentMessages=(\d+); ReceivedMessages=(\d+)/);
  const maxo = text.match(/<MAX> observation\s*=\s*([\d.]+)/), mino = text.match(/<MIN> observation\s*=\s*([\d.]+)/);
  const drops = text.match(/# dropped messages = (\d+); # duplicated messages = (\d+); # out-of-order messages = (\d+)/);
  if (!v || pct['50.000'] === undefined || pct['99.000'] === undefined) throw new Error('sockperf: no statistics in its output');
  const runtime = Number(v[1]), received = Number(v[3]);
  return {
    p50_us: pct['50.000'], p90_us: pct['90.000'], p99_us: pct['99.000'], p999_us: pct['99.900'],
    min_us: mino ? Number(mino[1]) : null, max_us: maxo ? Number(maxo[1]) : null,
    msgs_per_s: runtime > 0 ? received / runtime : 0, sent: Number(v[2]), received,
    dropped: drops ? Number(drops[1]) : null, duplicated: drops ? Number(drops[2]) : null, out_of_order: drops ? Number(drops[3]) : null,
  };
}

function wrkTime(s) {
  const m = s.match(/^([\d.]+)(us|ms|s|m)$/);
  if (!m) return null;
  return Number(m[1]) * { us: 1, ms: 1e3, s: 1e6, m: 60e6 }[m[2]];
}

/** wrk --latency: requests/s, p50/p90/p99 (µs), errors. */
function wrk(text) {
  const rps = text.match(/Requests\/sec:\s*([\d.]+)/);
  if (!rps) throw new Error('wrk: no Requests/sec line');
  const lat = {};
  for (const m of text.matchAll(/^\s+(50|75|90|99)%\s+(\S+)/gm)) lat[m[1]] = wrkTime(m[2]);
  const req = text.match(/(\d+) requests in/);
  const sockErr = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const non2xx = text.match(/Non-2xx or 3xx responses: (\d+)/);
  return {
    req_per_s: Number(rps[1]), p50_us: lat['50'] ?? null, p90_us: lat['90'] ?? null, p99_us: lat['99'] ?? null,
    requests: req ? Number(req[1]) : null,
    socket_errors: sockErr ? sockErr.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
  };
}

/**
 * h2load: req/s and the run's length from "finished in", request counts, status classes, and
 * its "time for request" min/max/mean/sd (µs). It prints no percentiles.
 */
function h2load(text) {
  const fin = text.match(/^finished in ([\d.]+(?:us|ms|s|m)), ([\d.]+) req\/s/m);
  const req = text.match(/^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/m);
  if (!fin || !req) throw new Error(`h2load: no summary in its output${text.trim() ? ': ' + text.trim().split('\n').slice(-1)[0].slice(0, 200) : ''}`);
  const st = text.match(/^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/m);
  const t = text.match(/^time for request:\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)/m);
  const [total, started, done, succeeded, failed, errored, timeout] = req.slice(1).map(Number);
  return {
    req_per_s: Number(fin[2]), duration_ms: wrkTime(fin[1]) / 1e3,
    total, started, done, succeeded, failed, errored, timeout,
    status_2xx: st ? Number(st[1]) : 0, status_other: st ? Number(st[2]) + Number(st[3]) + Number(st[4]) : 0,
    min_us: t ? wrkTime(t[1]) : null, max_us: t ? wrkTime(t[2]) : null, mean_us: t ? wrkTime(t[3]) : null, sd_us: t ? wrkTime(t[4]) : null,
  };
}

module.exports = { resultLine, resultLines, sockperf, wrk, h2load };
