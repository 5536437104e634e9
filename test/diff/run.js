'use strict';
// The differential harness (issue 13): the same corpus against the kernel (Node's own dgram,
// the oracle) and against the bypass (ringsock's dgram, RINGSOCK_BACKEND=xdp), compared kind by
// kind. By hand, as root, after scripts/setup.sh:
//   node test/diff/run.js            the full table; exit 1 on any difference
//   node test/diff/run.js --diffs    only the rows that differ
//   node test/diff/run.js --json F   also both passes' raw records to F
// RINGSOCK_DIFF_BYPASS=node runs the second pass on the kernel too (the harness's own noise
// check: it must agree everywhere); RINGSOCK_DIFF_TAG picks another topology than 7.
const fs = require('fs');
const { execFileSync } = require('child_process');
const netns = require('../helpers/netns');
const T = require('./topology');
const { runPass } = require('./pass');
const { compare, sanity, table } = require('./compare');

// rp_filter off unless a kind asks for it; no ICMP rate limit, so the sender gets every error
// the kernel means to send in both passes alike.
const SYSCTLS = ['net.ipv4.conf.all.rp_filter=0', `net.ipv4.conf.${T.DEV_A}.rp_filter=0`,
  'net.ipv4.icmp_ratelimit=0', 'net.ipv6.icmp.ratelimit=0'];

async function runDiff({ bypass = process.env.RINGSOCK_DIFF_BYPASS || 'xdp' } = {}) {
  netns.up(T.TAG);
  try {
    execFileSync('ip', ['netns', 'exec', T.A, 'sysctl', '-qw', ...SYSCTLS]);
    // The sender's router solicitations would count as frames the steering program passed.
    execFileSync('ip', ['netns', 'exec', T.B, 'sysctl', '-qw', `net.ipv6.conf.${T.DEV_B}.router_solicitations=0`]);
    const kernel = await runPass('node', 0);
    const other = await runPass(bypass, 1);
    const { rows, problems } = compare(kernel, other);
    return { kernel, bypass: other, rows, problems, sanity: sanity(kernel, other) };
  } finally {
    netns.down(T.TAG);
  }
}

module.exports = { runDiff };

if (require.main === module) {
  const args = process.argv.slice(2);
  runDiff().then((r) => {
    console.log(table(r.rows, { all: !args.includes('--diffs') }));
    const j = args.indexOf('--json');
    if (j >= 0) fs.writeFileSync(args[j + 1], JSON.stringify({ kernel: r.kernel, bypass: r.bypass }, null, 1));
    for (const s of r.sanity) console.log(`harness: ${s}`);
    const n = r.rows.filter((x) => x.problems.length).length;
    console.log(`\n${r.rows.length} kinds, ${n} differ (${r.problems.length} problems), bypass backend ${r.bypass.backend}`);
    process.exitCode = n || r.problems.length || r.sanity.length ? 1 : 0;
  }, (e) => { console.error(e); process.exitCode = 2; });
}
