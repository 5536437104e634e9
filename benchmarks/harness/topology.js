'use strict';
// The benchmark topology: scripts/netns.sh's two namespaces joined by a veth pair.
// Servers run in ns A (rs<TAG>a, 10.99.<TAG>.1), load comes from ns B (rs<TAG>b, 10.99.<TAG>.2).
const { spawnSync } = require('child_process');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const NETNS = path.join(ROOT, 'scripts', 'netns.sh');

function topology(tag) {
  const t = {
    tag,
    nsA: `rs${tag}a`, nsB: `rs${tag}b`,
    ifA: `rs${tag}a0`, ifB: `rs${tag}b0`,
    addrA: `10.99.${tag}.1`, addrB: `10.99.${tag}.2`,
    up: false,
  };
  return t;
}

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30000, ...opts });
  return { code: r.status, out: (r.stdout || '') + (r.stderr || ''), error: r.error };
}

function up(t) {
  const r = sh('bash', [NETNS, 'up', String(t.tag)]);
  if (r.code !== 0) throw new Error(`netns.sh up ${t.tag} failed: ${r.out.trim()}`);
  t.up = true;
  // The load side opens many short connections (connection-rate scenario): reuse TIME_WAIT ports.
  sh('ip', ['netns', 'exec', t.nsB, 'sysctl', '-qw', 'net.ipv4.tcp_tw_reuse=1', 'net.ipv4.ip_local_port_range=10000 65000']);
  sh('ip', ['netns', 'exec', t.nsA, 'sysctl', '-qw', 'net.core.somaxconn=4096', 'net.ipv4.tcp_max_syn_backlog=4096']);
}

function down(t) {
  sh('bash', [NETNS, 'down', String(t.tag)]);
  t.up = false;
}

/** XDP programs attached to ns A's veth ("" when none). */
function xdpAttached(t) {
  const r = sh('ip', ['-n', t.nsA, '-d', 'link', 'show', t.ifA]);
  const m = r.out.match(/prog\/xdp\S*\s+id\s+\d+[^\n]*/g);
  return m ? m.join('; ') : '';
}

/** Removes whatever XDP program is still attached to ns A's veth (a crashed server's). */
function forceDetach(t) {
  for (const mode of ['xdp', 'xdpgeneric', 'xdpdrv']) sh('ip', ['-n', t.nsA, 'link', 'set', t.ifA, mode, 'off']);
}

/** Namespaces of this tag still present. */
function leftovers(t) {
  const r = sh('ip', ['netns', 'list']);
  return r.out.split('\n').map((l) => l.split(' ')[0]).filter((n) => n === t.nsA || n === t.nsB);
}

module.exports = { ROOT, topology, up, down, xdpAttached, forceDetach, leftovers, sh };
