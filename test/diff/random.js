'use strict';
// Random kinds of the corpus, from a fixed seed so every pass and every run sends the same bytes:
// random IP packets (source address fixed to the sender's, so nothing the kernel might answer
// goes elsewhere), single-byte changes of valid frames' headers, valid frames of random sizes.
const T = require('./topology');
const f = require('./frames');

const SEED = Number(process.env.RINGSOCK_DIFF_SEED || 0x5eed07);

function mulberry32(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** [{ kind, note, build(payload) -> frame }] */
function randomKinds({ v4, v6, macA, macB }) {
  const rnd = mulberry32(SEED);
  const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const bytes = (n) => Buffer.from(Array.from({ length: n }, () => int(0, 255)));
  const out = [];
  for (let i = 0; i < 8; i++) {
    const body = bytes(int(20, 80));
    f.ip4(T.B4).copy(body, 12);
    out.push({ kind: `rand_ip4_${i}`, note: 'random bytes after an IPv4 ethertype', build: () => f.eth(macA, macB, 0x0800, body) });
  }
  for (let i = 0; i < 8; i++) {
    const body = bytes(int(40, 100));
    f.ip6(T.B6).copy(body, 8);
    out.push({ kind: `rand_ip6_${i}`, note: 'random bytes after an IPv6 ethertype', build: () => f.eth(macA, macB, 0x86dd, body) });
  }
  // One header byte of a valid frame replaced (Ethernet header excluded: that is the MAC kinds).
  for (let i = 0; i < 24; i++) {
    const six = i % 2 === 1;
    const at = int(14, six ? 14 + 48 - 1 : 14 + 28 - 1);
    const value = int(0, 255);
    out.push({
      kind: `rand_byte${six ? 6 : 4}_${i}`,
      note: `byte ${at} of a valid IPv${six ? 6 : 4} frame replaced by 0x${value.toString(16)}`,
      build: (p) => {
        const fr = six ? v6({ payload: p }) : v4({ payload: p });
        fr[at] = fr[at] === value ? value ^ 0x80 : value;
        return fr;
      },
    });
  }
  for (let i = 0; i < 6; i++) {
    const size = int(8, 1400);
    const six = i % 2 === 1;
    const fill = bytes(size);
    out.push({
      kind: `rand_size${six ? 6 : 4}_${i}`,
      note: `valid IPv${six ? 6 : 4} frame, ${size}-byte random payload`,
      build: (p) => {
        const q = Buffer.concat([p.subarray(0, 8), fill.subarray(8)]);
        p.set(q.subarray(0, p.length));   // corpus.js sized p for us: keep id, randomize the rest
        return six ? v6({ payload: p }) : v4({ payload: p });
      },
      size,
    });
  }
  return out;
}

module.exports = { randomKinds, mulberry32 };
