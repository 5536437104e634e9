// The differential harness of issue 13 (test/diff/, docs/XDP.md "Differential test"): the same
// corpus of crafted frames from rs12b to a plain node:dgram receiver in rs12a, on the kernel
// (Node's own sockets: the oracle) and on the bypass; what each delivers must agree kind by
// kind, and every bypass drop must be counted (allowed differences: test/diff/allowed.js).
// Run as: RINGSOCK_BACKEND=xdp RINGSOCK_STRICT=1 npx ava test/xdp-diff.test.js (root);
// the whole table by hand: node test/diff/run.js.
const test = require('ava');
const { compare, table } = require('./diff/compare');

const isRoot = process.getuid && process.getuid() === 0;
const want = process.env.RINGSOCK_BACKEND === 'xdp' || process.env.KERNEL_BYPASS === '1';

(isRoot && want ? test.serial : test.serial.skip)('every frame kind: the bypass delivers what the kernel delivers, and counts what it drops', async (t) => {
  const { runDiff } = require('./diff/run');
  const r = await runDiff({ bypass: 'xdp' });
  t.deepEqual(r.sanity, [], 'the harness itself');
  const differ = r.rows.filter((x) => x.problems.length);
  t.log(`${r.rows.length} kinds, ${differ.length} differ; corpus ids and counters per kind: node test/diff/run.js`);
  if (differ.length || r.problems.length) {
    t.fail(`${differ.length} of ${r.rows.length} kinds differ from the kernel:\n${table(r.rows, { all: false })}\n\n${r.problems.join('\n')}`);
  } else {
    t.pass();
  }
});

// The comparison itself, on made-up passes (no root): it must see a delivery difference, an
// uncounted drop and a drop counted under an unrelated reason, or the test above could not fail.
test('the comparison flags deliveries, uncounted drops and reasons that differ', (t) => {
  const entry = (id, kind, over = {}) => ({ id, kind, note: '', sent: 1, sendErrors: [], kernel: {}, reasons: [], peer: [], rs: {}, ...over });
  const msg = { sock: 's4', hex: '5253444600000001', from: '10.99.12.2', port: 40000 };
  const kp = { backend: 'node', entries: [entry(1, 'a'), entry(2, 'b'), entry(3, 'c', { kernel: { 'Udp.InCsumErrors': 1, 'Udp.InErrors': 1 } }),
    entry(4, 'd', { kernel: { 'Udp.InCsumErrors': 1 } })], deliveries: { 1: [msg] }, unmatched: [], errors: [] };
  const bp = { backend: 'xdp', entries: [
    entry(1, 'a', { rs: { 'bpf.redirected': 1, valid: 1, not_local: 1 } }),                      // kernel delivers, bypass drops
    entry(2, 'b', { rs: { 'bpf.redirected': 1, valid: 1, 'sock9710.rx': 1 } }),                  // bypass delivers, kernel drops
    entry(3, 'c', { rs: { 'bpf.redirected': 1 } }),                                              // dropped, counted nowhere
    entry(4, 'd', { rs: { 'bpf.redirected': 1, malformed: 1, 'malformed_by_reason.truncated': 1 } }),   // counted as something else
  ], deliveries: { 2: [{ ...msg, hex: '5253444600000002' }] }, unmatched: [], errors: [] };
  const { rows } = compare(kp, bp);
  t.regex(rows[0].problems.join(), /the kernel delivers it, the bypass drops it/);
  t.regex(rows[1].problems.join(), /the bypass delivers it, the kernel drops it/);
  t.regex(rows[2].problems.join(), /counted 0 drop\(s\) for 1 redirected/);
  t.regex(rows[3].problems.join(), /ringsock counted malformed_by_reason.truncated, the kernel Udp.InCsumErrors/);
  t.regex(table(rows), /DIFF/);
});
