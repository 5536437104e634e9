'use strict';
// The kernel's receive counters of one network namespace, read through a process inside it
// (/proc/PID/net/... is that process's namespace): SNMP (Ip, Udp, Icmp), SNMP6, IpExt/TcpExt
// (IPReversePathFilter lives there), the receiving veth's /proc/net/dev line and the route
// cache statistics (in_martian_src/dst: per CPU and global to the host, not per namespace,
// but nothing else on this machine makes martians).
const fs = require('fs');

function pairs(header, values, prefix, out) {
  const k = header.trim().split(/\s+/).slice(1);
  const v = values.trim().split(/\s+/).slice(1);
  k.forEach((name, i) => { out[`${prefix}.${name}`] = Number(v[i]); });
}

function readTables(file, out) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const prefix = lines[i].split(':')[0];
    if (prefix) pairs(lines[i], lines[i + 1], prefix, out);
  }
}

function snapshot(pid, dev) {
  const out = {};
  const base = `/proc/${pid}/net`;
  readTables(`${base}/snmp`, out);
  readTables(`${base}/netstat`, out);
  for (const l of fs.readFileSync(`${base}/snmp6`, 'utf8').split('\n')) {
    const [k, v] = l.trim().split(/\s+/);
    if (k) out[k.replace(/^(Ip6|Icmp6|Udp6|UdpLite6)/, '$1.')] = Number(v);
  }
  const devLine = fs.readFileSync(`${base}/dev`, 'utf8').split('\n').find((l) => l.trim().startsWith(`${dev}:`));
  if (devLine) {
    const v = devLine.split(':')[1].trim().split(/\s+/).map(Number);
    Object.assign(out, { 'dev.rx_packets': v[1], 'dev.rx_errs': v[2], 'dev.rx_drop': v[3] });
  }
  const rt = fs.readFileSync(`${base}/stat/rt_cache`, 'utf8').trim().split('\n');
  const names = rt[0].trim().split(/\s+/);
  for (const row of rt.slice(1)) {
    row.trim().split(/\s+/).forEach((h, i) => {
      if (names[i] === 'entries') return;
      const k = `rt_cache.${names[i]}`;
      out[k] = (out[k] || 0) + parseInt(h, 16);
    });
  }
  return out;
}

function diff(before, after) {
  const d = {};
  for (const k of Object.keys(after)) if (after[k] !== before[k]) d[k] = after[k] - (before[k] || 0);
  return d;
}

// Counters that mean "a received packet was dropped here, for this reason". Everything else
// (InReceives, octets, InDelivers, ICMP output ...) is shown in the details only.
const DROP = [
  'Ip.InHdrErrors', 'Ip.InAddrErrors', 'Ip.InUnknownProtos', 'Ip.InDiscards', 'Ip.ReasmFails',
  'IpExt.InNoRoutes', 'IpExt.InTruncatedPkts', 'IpExt.InCsumErrors', 'IpExt.ReasmOverlaps',
  'Udp.InErrors', 'Udp.NoPorts', 'Udp.InCsumErrors', 'Udp.RcvbufErrors', 'Udp.IgnoredMulti',
  'Ip6.InHdrErrors', 'Ip6.InAddrErrors', 'Ip6.InNoRoutes', 'Ip6.InTruncatedPkts',
  'Ip6.InUnknownProtos', 'Ip6.InDiscards', 'Ip6.ReasmFails',
  'Udp6.InErrors', 'Udp6.NoPorts', 'Udp6.InCsumErrors', 'Udp6.RcvbufErrors', 'Udp6.IgnoredMulti',
  'TcpExt.IPReversePathFilter', 'rt_cache.in_martian_src', 'rt_cache.in_martian_dst', 'dev.rx_drop', 'dev.rx_errs',
];

/** The drop counters among a diff, as 'Name+n' strings. */
function drops(d) {
  return DROP.filter((k) => d[k] > 0).map((k) => (d[k] === 1 ? k : `${k}+${d[k]}`));
}

// ICMP errors a namespace received (read on the sender's side: the kernel's answers to drops).
const ICMP_ERRORS = ['Icmp.InDestUnreachs', 'Icmp.InParmProbs', 'Icmp.InTimeExcds',
  'Icmp6.InDestUnreachs', 'Icmp6.InParmProblems', 'Icmp6.InTimeExcds'];
function icmpErrors(d) {
  return ICMP_ERRORS.filter((k) => d[k] > 0).map((k) => (d[k] === 1 ? k : `${k}+${d[k]}`));
}

module.exports = { snapshot, diff, drops, icmpErrors, DROP };
