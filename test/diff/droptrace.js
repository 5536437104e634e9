'use strict';
// The kernel's own reason for each dropped skb (tracepoint skb:kfree_skb, enum skb_drop_reason),
// for drops no SNMP counter records (OTHERHOST, a multicast group nobody joined ...). A private
// tracefs instance, filtered to the sender's pid: the veth delivers a raw send in that thread's
// softirq, so the receiving side's drops are recorded in its context (a drop deferred to
// ksoftirqd is missed: the column is a hint, counters.js is the oracle). Optional: without
// tracefs every reason list is null.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

function tracefsRoot() {
  const m = fs.readFileSync('/proc/mounts', 'utf8').split('\n').find((l) => l.split(' ')[2] === 'tracefs');
  if (m) return { dir: m.split(' ')[1], mounted: false };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ringsock-tracefs-'));
  execFileSync('mount', ['-t', 'tracefs', 'nodev', dir], { stdio: 'ignore' });
  return { dir, mounted: true };
}

/** Starts recording kfree_skb in the context of `pid`; null when tracing is unavailable. */
function start(pid) {
  try {
    const root = tracefsRoot();
    const inst = path.join(root.dir, 'instances', `ringsock-diff-${process.pid}`);
    fs.mkdirSync(inst);
    fs.writeFileSync(path.join(inst, 'set_event_pid'), String(pid));
    fs.writeFileSync(path.join(inst, 'events', 'skb', 'kfree_skb', 'enable'), '1');
    return { root, inst };
  } catch {
    return null;
  }
}

/** The reasons recorded since the last call (and clears them). */
function take(t) {
  if (!t) return null;
  const file = path.join(t.inst, 'trace');
  const text = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, '');
  const reasons = [];
  for (const l of text.split('\n')) {
    const m = /kfree_skb:.*protocol=(\d+).*reason: (\w+)/.exec(l);
    if (m) reasons.push(m[2] + (m[1] === '2048' || m[1] === '34525' ? '' : `(proto 0x${Number(m[1]).toString(16)})`));
  }
  return reasons;
}

function stop(t) {
  if (!t) return;
  try {
    fs.writeFileSync(path.join(t.inst, 'events', 'skb', 'kfree_skb', 'enable'), '0');
    fs.rmdirSync(t.inst);
  } catch { /* left for the next run's start() to fail on: nothing else depends on it */ }
  if (t.root.mounted) {
    try { execFileSync('umount', [t.root.dir], { stdio: 'ignore' }); fs.rmdirSync(t.root.dir); } catch { /* busy */ }
  }
}

module.exports = { start, take, stop };
