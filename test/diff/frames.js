'use strict';
// Byte-level builders for the differential corpus: Ethernet, IPv4 (with options), IPv6 (with
// extension headers and fragment headers) and UDP, with correct checksums unless told otherwise.
// Every builder takes plain options and returns a Buffer, so a kind in corpus.js reads as the
// one field it breaks.

function csum(buf, initial = 0) {
  let s = initial;
  for (let i = 0; i + 1 < buf.length; i += 2) s += buf.readUInt16BE(i);
  if (buf.length % 2) s += buf[buf.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}
const fold = (s) => (~s) & 0xffff;

function ip4(a) { return Buffer.from(a.split('.').map(Number)); }

// Full IPv6 text (with :: and an optional trailing dotted quad) -> 16 bytes.
function ip6(a) {
  let s = a;
  const tail = [];
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (m) {
    const q = ip4(m[2]);
    s = m[1] + q.readUInt16BE(0).toString(16) + ':' + q.readUInt16BE(2).toString(16);
  }
  const [head, rest] = s.split('::');
  const hs = head ? head.split(':') : [];
  const rs = rest === undefined ? [] : (rest ? rest.split(':') : []);
  const fill = rest === undefined ? 0 : 8 - hs.length - rs.length;
  const words = [...hs, ...Array(fill).fill('0'), ...rs, ...tail];
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(parseInt(w, 16), i * 2));
  return b;
}

function mac(s) { return Buffer.from(s.split(':').map((x) => parseInt(x, 16))); }

function eth(dst, src, type, body) {
  const h = Buffer.alloc(14);
  mac(dst).copy(h, 0);
  mac(src).copy(h, 6);
  h.writeUInt16BE(type, 12);
  return Buffer.concat([h, body]);
}

/**
 * UDP header + payload. `len` overrides the length field, `check` the checksum field
 * (null: computed over `csumLen` bytes of the datagram, default all of it; 0 stays 0).
 */
function udp({ sport, dport, payload, len, check = null, pseudo, csumLen }) {
  const realLen = 8 + payload.length;
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(len === undefined ? realLen : len, 4);
  const d = Buffer.concat([h, payload]);
  if (check === null) {
    const n = csumLen === undefined ? realLen : csumLen;
    const c = fold(csum(d.subarray(0, n), pseudo(n)));
    d.writeUInt16BE(c === 0 ? 0xffff : c, 6);
  } else {
    d.writeUInt16BE(check, 6);
  }
  return d;
}

const pseudo4 = (src, dst) => (n) => csum(Buffer.concat([ip4(src), ip4(dst), Buffer.from([0, 17, n >> 8, n & 0xff])]));
function pseudo6(src, dst) {
  return (n) => {
    const l = Buffer.alloc(8);
    l.writeUInt32BE(n, 0);
    l[7] = 17;
    return csum(Buffer.concat([ip6(src), ip6(dst), l]));
  };
}

/** IPv4 header (+ options) + body. Fields not given are the usual ones; `check` overrides. */
function ipv4({ src, dst, body, ttl = 64, proto = 17, id = 1, flags = 0x4000, options = Buffer.alloc(0),
  version = 4, ihl, totalLen, check = null, tos = 0 }) {
  const h = Buffer.alloc(20 + options.length);
  const words = (20 + options.length) / 4;
  h[0] = (version << 4) | (ihl === undefined ? words : ihl);
  h[1] = tos;
  h.writeUInt16BE(totalLen === undefined ? h.length + body.length : totalLen, 2);
  h.writeUInt16BE(id, 4);
  h.writeUInt16BE(flags, 6);
  h[8] = ttl;
  h[9] = proto;
  ip4(src).copy(h, 12);
  ip4(dst).copy(h, 16);
  options.copy(h, 20);
  h.writeUInt16BE(check === null ? fold(csum(h)) : check, 10);
  return Buffer.concat([h, body]);
}

/** IPv6 header + body; `next` is the first next-header value, `payloadLen` overrides. */
function ipv6({ src, dst, body, next = 17, hop = 64, payloadLen, version = 6 }) {
  const h = Buffer.alloc(40);
  h.writeUInt32BE((version << 28) >>> 0, 0);
  h.writeUInt16BE(payloadLen === undefined ? body.length : payloadLen, 4);
  h[6] = next;
  h[7] = hop;
  ip6(src).copy(h, 8);
  ip6(dst).copy(h, 24);
  return Buffer.concat([h, body]);
}

/** An IPv6 hop-by-hop / destination options header holding `opts` (TLVs), padded to 8n. */
function ext6(next, opts = Buffer.alloc(0)) {
  let body = Buffer.concat([Buffer.from([next, 0]), opts]);
  const pad = (8 - (body.length % 8)) % 8;
  if (pad === 1) body = Buffer.concat([body, Buffer.from([0])]);           // Pad1
  else if (pad > 1) body = Buffer.concat([body, Buffer.from([1, pad - 2]), Buffer.alloc(pad - 2)]);   // PadN
  body[1] = body.length / 8 - 1;
  return body;
}

/** An IPv6 fragment header: offset in 8-byte units, more-fragments flag, identification. */
function frag6(next, offset, more, ident) {
  const h = Buffer.alloc(8);
  h[0] = next;
  h.writeUInt16BE((offset << 3) | (more ? 1 : 0), 2);
  h.writeUInt32BE(ident, 4);
  return h;
}

module.exports = { csum, fold, ip4, ip6, mac, eth, udp, pseudo4, pseudo6, ipv4, ipv6, ext6, frag6 };
