'use strict';
// The differential corpus: named kinds of crafted frames, each with a unique id in its payload
// ('RSDF' + u32 id), aimed at the receiver in rs12a (test/diff/receiver.js). Kinds break one
// thing each; checksums are right unless the kind is about them. Sources are spoofed in headers
// only: the receiver never replies, and rs12a has no route outside 10.99.TAG.0/24 and fd99::/64,
// so no error the kernel might generate leaves for another address.
const f = require('./frames');
const T = require('./topology');
const { randomKinds } = require('./random');

const MAGIC = Buffer.from('RSDF');
const OTHER_MAC = '02:00:00:00:07:99';

function payloadFor(id, kind, size = 32) {
  const p = Buffer.alloc(Math.max(size, 8), 0x2e);
  MAGIC.copy(p, 0);
  p.writeUInt32BE(id, 4);
  Buffer.from(kind).copy(p, 8, 0, Math.max(0, p.length - 8));
  return p;
}

function mcastMac(group) {
  if (group.includes(':')) {
    const b = f.ip6(group);
    return '33:33:' + [...b.subarray(12)].map((x) => x.toString(16).padStart(2, '0')).join(':');
  }
  const b = f.ip4(group);
  return ['01', '00', '5e', (b[1] & 0x7f).toString(16), b[2].toString(16), b[3].toString(16)]
    .map((x) => x.padStart(2, '0')).join(':');
}

// The payload with two bytes chosen so that the UDP checksum computes to 0, which goes on the
// wire as 0xffff (RFC 768): both representations of zero must be accepted.
function zeroSumPayload(payload, pseudoSum, sport, dport) {
  const d = Buffer.alloc(8 + payload.length);
  d.writeUInt16BE(sport, 0);
  d.writeUInt16BE(dport, 2);
  d.writeUInt16BE(d.length, 4);
  payload.copy(d, 8);
  d.writeUInt16BE(0, 8 + 30);
  const p = Buffer.from(d.subarray(8));
  p.writeUInt16BE(f.fold(f.csum(d, pseudoSum(d.length))), 30);
  return p;
}

/**
 * Builds the corpus for one pass. ctx: { macA, macB, ll6A, ll6B, pass } (pass keeps IP fragment
 * identifications apart between the kernel pass and the bypass pass: a lone fragment of one
 * pass must never complete another's).
 */
function build(ctx) {
  const entries = [];
  let nextId = 1;
  const fragId = (n) => 0x7000 + ctx.pass * 0x100 + n;

  // One IPv4/UDP frame with everything overridable. `udpo`/`ipo` go to frames.udp/ipv4.
  function v4(o) {
    const src = o.src || T.B4;
    const dst = o.dst || T.A4;
    const u = f.udp({ sport: 40000, dport: o.dport || T.PORT4, payload: o.payload,
      pseudo: f.pseudo4(src, dst), ...o.udpo });
    const ip = f.ipv4({ src, dst, body: u, ...o.ipo });
    let fr = f.eth(o.dstMac || ctx.macA, ctx.macB, o.ethType || 0x0800, o.wrap ? o.wrap(ip) : ip);
    if (o.cut !== undefined) fr = fr.subarray(0, o.cut);
    if (o.pad) fr = Buffer.concat([fr, Buffer.alloc(o.pad)]);
    return fr;
  }
  function v6(o) {
    const src = o.src || T.B6;
    const dst = o.dst || T.A6;
    const u = f.udp({ sport: 40000, dport: o.dport || T.PORT6, payload: o.payload,
      pseudo: f.pseudo6(src, dst), ...o.udpo });
    const body = o.ext ? o.ext(u) : u;
    const ip = f.ipv6({ src, dst, body, next: o.next === undefined ? 17 : o.next, ...o.ipo });
    let fr = f.eth(o.dstMac || ctx.macA, ctx.macB, 0x86dd, ip);
    if (o.cut !== undefined) fr = fr.subarray(0, o.cut);
    if (o.pad) fr = Buffer.concat([fr, Buffer.alloc(o.pad)]);
    return fr;
  }

  // add(kind, note, fn): fn(payload, id) -> frames (a Buffer or an array) and optional extras.
  function add(kind, note, fn, extra = {}) {
    const id = nextId++;
    const payload = payloadFor(id, kind, extra.size);
    const out = fn(payload, id);
    const frames = Array.isArray(out) ? out : [out];
    entries.push({ id, kind, note, frames, payload: extra.deliver ? extra.deliver(payload) : payload,
      setup: extra.setup || [], teardown: extra.teardown || [] });
  }

  // --- valid baselines: both must deliver these
  add('ok4', 'valid IPv4/UDP to the udp4 socket', (p) => v4({ payload: p }));
  add('ok6', 'valid IPv6/UDP to the udp6 socket', (p) => v6({ payload: p }));
  add('ok4_large', 'valid, 1400-byte payload', (p) => v4({ payload: p }), { size: 1400 });
  add('ok6_large', 'valid, 1400-byte payload', (p) => v6({ payload: p }), { size: 1400 });
  add('ip4_eth_padding', 'bytes after the IP total length (Ethernet padding): trimmed', (p) => v4({ payload: p, pad: 12 }));
  add('ip6_eth_padding', 'bytes after the IPv6 payload length: trimmed', (p) => v6({ payload: p, pad: 12 }));
  add('ttl4_zero', 'IPv4 TTL 0 (only forwarding looks at it)', (p) => v4({ payload: p, ipo: { ttl: 0 } }));
  add('hop6_zero', 'IPv6 hop limit 0', (p) => v6({ payload: p, ipo: { hop: 0 } }));
  add('ip4_evil_bit', 'IPv4 reserved flag bit set (not a fragment)', (p) => v4({ payload: p, ipo: { flags: 0xc000 } }));
  add('ip4_no_df', 'IPv4 without DF, not a fragment', (p) => v4({ payload: p, ipo: { flags: 0 } }));

  // --- link layer
  add('wrong_dst_mac4', 'IPv4 to our address, Ethernet destination another host\'s', (p) => v4({ payload: p, dstMac: OTHER_MAC }));
  add('wrong_dst_mac6', 'IPv6 to our address, Ethernet destination another host\'s', (p) => v6({ payload: p, dstMac: OTHER_MAC }));
  add('l2_bcast_unicast4', 'unicast IPv4 in an Ethernet broadcast (drop_unicast_in_l2_multicast=0)', (p) => v4({ payload: p, dstMac: 'ff:ff:ff:ff:ff:ff' }));
  add('l2_mcast_unicast6', 'unicast IPv6 in an Ethernet multicast (33:33:00:00:00:01)', (p) => v6({ payload: p, dstMac: '33:33:00:00:00:01' }));
  add('vlan_tagged4', '802.1Q-tagged IPv4/UDP on an interface without VLANs', (p) => v4({ payload: p, ethType: 0x8100,
    wrap: (ip) => Buffer.concat([Buffer.from([0x00, 0x07, 0x08, 0x00]), ip]) }));

  // --- IPv4 sources (martians: net/ipv4/route.c ip_route_input_slow, fib_validate_source)
  add('src4_loopback', 'source 127.0.0.1', (p) => v4({ payload: p, src: '127.0.0.1' }));
  add('src4_zero', 'source 0.0.0.0 to a unicast destination', (p) => v4({ payload: p, src: '0.0.0.0' }));
  add('src4_zeronet', 'source 0.1.2.3 (0/8)', (p) => v4({ payload: p, src: '0.1.2.3' }));
  add('src4_multicast', 'source 224.0.0.5', (p) => v4({ payload: p, src: '224.0.0.5' }));
  add('src4_lbcast', 'source 255.255.255.255', (p) => v4({ payload: p, src: '255.255.255.255' }));
  add('src4_subnet_bcast', `source ${T.BCAST4} (the subnet broadcast)`, (p) => v4({ payload: p, src: T.BCAST4 }));
  add('src4_own', `source ${T.A4}, the receiver's own address`, (p) => v4({ payload: p, src: T.A4 }));
  add('src4_class_e', 'source 240.0.0.1 (class E)', (p) => v4({ payload: p, src: '240.0.0.1' }));
  add('src4_link_local', 'source 169.254.1.1', (p) => v4({ payload: p, src: '169.254.1.1' }));
  add('src4_no_route_rp0', `source 10.99.${T.TAG + 100}.5 (no route back), rp_filter=0`, (p) => v4({ payload: p, src: `10.99.${T.TAG + 100}.5` }));
  const rp = (v) => [['sysctl', '-qw', `net.ipv4.conf.${T.DEV_A}.rp_filter=${v}`]];
  add('src4_no_route_rp1', 'same source, rp_filter=1 (strict) on the receiving veth', (p) => v4({ payload: p, src: `10.99.${T.TAG + 100}.5` }),
    { setup: rp(1), teardown: rp(0) });
  add('src4_no_route_rp2', 'same source, rp_filter=2 (loose: no route at all)', (p) => v4({ payload: p, src: `10.99.${T.TAG + 100}.5` }),
    { setup: rp(2), teardown: rp(0) });
  add('src4_zero_to_lbcast', '0.0.0.0 -> 255.255.255.255 (a DHCP client\'s first datagram)', (p) => v4({ payload: p, src: '0.0.0.0',
    dst: '255.255.255.255', dstMac: 'ff:ff:ff:ff:ff:ff' }));

  // --- IPv4 destinations
  add('dst4_not_ours', `destination 10.99.${T.TAG}.77 (on the subnet, not ours; forwarding off)`, (p) => v4({ payload: p, dst: `10.99.${T.TAG}.77` }));
  add('dst4_other_net', `destination 10.99.${T.TAG + 100}.1 (no route)`, (p) => v4({ payload: p, dst: `10.99.${T.TAG + 100}.1` }));
  add('dst4_subnet_bcast', `destination ${T.BCAST4}`, (p) => v4({ payload: p, dst: T.BCAST4, dstMac: 'ff:ff:ff:ff:ff:ff' }));
  add('dst4_lbcast', 'destination 255.255.255.255', (p) => v4({ payload: p, dst: '255.255.255.255', dstMac: 'ff:ff:ff:ff:ff:ff' }));
  add('dst4_network', `destination ${T.NET4} (the subnet's network address)`, (p) => v4({ payload: p, dst: T.NET4, dstMac: 'ff:ff:ff:ff:ff:ff' }));
  add('dst4_loopback', 'destination 127.0.0.1 from the wire', (p) => v4({ payload: p, dst: '127.0.0.1' }));
  add('dst4_zero', 'destination 0.0.0.0', (p) => v4({ payload: p, dst: '0.0.0.0' }));
  add('dst4_bcast_unicast_mac', `destination ${T.BCAST4} in a unicast frame`, (p) => v4({ payload: p, dst: T.BCAST4 }));

  // --- IPv4 multicast (sg joined GROUP4 on A4; s4 is a wildcard socket without memberships)
  add('mcast4_joined', `${T.GROUP4}, joined, to the group socket's port`, (p) => v4({ payload: p, dst: T.GROUP4, dport: T.PORTG, dstMac: mcastMac(T.GROUP4) }));
  add('mcast4_not_joined', `${T.OTHER_GROUP4}, not joined`, (p) => v4({ payload: p, dst: T.OTHER_GROUP4, dport: T.PORTG, dstMac: mcastMac(T.OTHER_GROUP4) }));
  add('mcast4_joined_other_port', `${T.GROUP4} to the wildcard udp4 socket's port (IP_MULTICAST_ALL)`, (p) => v4({ payload: p, dst: T.GROUP4, dstMac: mcastMac(T.GROUP4) }));
  add('mcast4_all_hosts', '224.0.0.1 (all hosts, joined by every host) to the wildcard socket', (p) => v4({ payload: p, dst: '224.0.0.1', dstMac: mcastMac('224.0.0.1') }));
  add('mcast4_joined_unicast_mac', `${T.GROUP4} in a frame to our unicast MAC`, (p) => v4({ payload: p, dst: T.GROUP4, dport: T.PORTG }));

  // --- IPv6 sources (net/ipv6/ip6_input.c ip6_rcv_core)
  add('src6_loopback', 'source ::1', (p) => v6({ payload: p, src: '::1' }));
  add('src6_multicast', 'source ff02::1', (p) => v6({ payload: p, src: 'ff02::1' }));
  add('src6_unspecified', 'source ::', (p) => v6({ payload: p, src: '::' }));
  add('src6_v4mapped', `source ::ffff:${T.B4}`, (p) => v6({ payload: p, src: `::ffff:${T.B4}` }));
  add('src6_v4compat', `source ::${T.B4} (deprecated IPv4-compatible)`, (p) => v6({ payload: p, src: `::${T.B4}` }));
  add('src6_link_local', 'source: the sender\'s link-local address', (p) => v6({ payload: p, src: ctx.ll6B }));
  add('src6_own', `source ${T.A6}, the receiver's own address`, (p) => v6({ payload: p, src: T.A6 }));

  // --- IPv6 destinations
  add('dst6_not_ours', `destination fd99::${T.TAG}:77 (forwarding off)`, (p) => v6({ payload: p, dst: `fd99::${T.TAG}:77` }));
  add('dst6_link_local', 'destination: the receiver\'s link-local address', (p) => v6({ payload: p, dst: ctx.ll6A, src: ctx.ll6B }));
  add('dst6_all_nodes', 'ff02::1 to the udp6 socket bound to ::', (p) => v6({ payload: p, dst: 'ff02::1', dstMac: mcastMac('ff02::1') }));
  add('dst6_all_routers', 'ff02::2 (a host is no router)', (p) => v6({ payload: p, dst: 'ff02::2', dstMac: mcastMac('ff02::2') }));
  const low = f.ip6(T.A6).subarray(13).toString('hex');
  const sn = `ff02::1:ff${low.slice(0, 2)}:${low.slice(2)}`;
  add('dst6_solicited_node', `${sn}, the receiver's solicited-node group`, (p) => v6({ payload: p, dst: sn, dstMac: mcastMac(sn) }));
  add('dst6_interface_local', 'ff01::1 from the wire (interface-local scope)', (p) => v6({ payload: p, dst: 'ff01::1', dstMac: mcastMac('ff01::1') }));
  add('dst6_scope0', 'ff00::1 (reserved scope 0)', (p) => v6({ payload: p, dst: 'ff00::1', dstMac: mcastMac('ff00::1') }));
  add('dst6_loopback', 'destination ::1 from the wire', (p) => v6({ payload: p, dst: '::1' }));
  add('dst6_v4mapped', `destination ::ffff:${T.A4}`, (p) => v6({ payload: p, dst: `::ffff:${T.A4}` }));
  add('mcast6_joined', `${T.GROUP6}, joined, to the group socket`, (p) => v6({ payload: p, dst: T.GROUP6, dport: T.PORTG6, dstMac: mcastMac(T.GROUP6) }));
  add('mcast6_not_joined', `${T.OTHER_GROUP6}, not joined`, (p) => v6({ payload: p, dst: T.OTHER_GROUP6, dport: T.PORTG6, dstMac: mcastMac(T.OTHER_GROUP6) }));

  // --- IPv4 lengths and truncations
  add('trunc4_in_ip_header', 'frame ends inside the IPv4 header', (p) => v4({ payload: p, cut: 14 + 12 }));
  add('trunc4_in_ports', 'frame ends inside the UDP ports', (p) => v4({ payload: p, cut: 14 + 20 + 3 }));
  add('trunc4_in_udp_header', 'frame ends inside the UDP header (IP length says more)', (p) => v4({ payload: p, cut: 14 + 20 + 6 }));
  add('trunc4_in_payload', 'frame ends inside the payload (IP length says more)', (p) => v4({ payload: p, cut: 14 + 20 + 8 + 12 }));
  add('ip4_total_beyond_frame', 'IPv4 total length 100 bytes beyond the frame', (p) => v4({ payload: p, ipo: { totalLen: 20 + 8 + p.length + 100 } }));
  add('ip4_total_below_header', 'IPv4 total length 16 (below its own header)', (p) => v4({ payload: p, ipo: { totalLen: 16 } }));
  add('ip4_total_partial_udp', 'IPv4 total length leaves 6 bytes of UDP header', (p) => v4({ payload: p, ipo: { totalLen: 26 } }));
  add('ip4_ihl_4', 'IHL 4', (p) => v4({ payload: p, ipo: { ihl: 4 } }));
  add('ip4_ihl_beyond_frame', 'IHL 15 in a 48-byte IP packet', (p) => v4({ payload: p, ipo: { ihl: 15 } }), { size: 20 });
  add('udp4_len_beyond_ip', 'UDP length 100 beyond the IP payload', (p) => v4({ payload: p, udpo: { len: 8 + p.length + 100 } }));
  add('udp4_len_below_8', 'UDP length 4', (p) => v4({ payload: p, udpo: { len: 4 } }));
  add('udp4_len_short_trim', 'UDP length 16 bytes shorter than the IP payload, checksum over the UDP length: the kernel trims',
    (p) => v4({ payload: p, udpo: { len: 8 + 16, csumLen: 8 + 16 } }), { deliver: (p) => p.subarray(0, 16) });
  add('udp4_len_short_zero_csum', 'same, checksum 0', (p) => v4({ payload: p, udpo: { len: 8 + 16, check: 0 } }), { deliver: (p) => p.subarray(0, 16) });
  add('udp4_len_short_bad_csum', 'same, checksum over the whole IP payload (wrong once trimmed)', (p) => v4({ payload: p, udpo: { len: 8 + 16 } }));

  // --- IPv6 lengths and truncations
  add('trunc6_in_ip_header', 'frame ends inside the IPv6 header', (p) => v6({ payload: p, cut: 14 + 30 }));
  add('trunc6_in_udp_header', 'frame ends inside the UDP header (payload length says more)', (p) => v6({ payload: p, cut: 14 + 40 + 6 }));
  add('ip6_plen_beyond_frame', 'IPv6 payload length 100 beyond the frame', (p) => v6({ payload: p, ipo: { payloadLen: 8 + p.length + 100 } }));
  add('ip6_plen_zero', 'IPv6 payload length 0 without a jumbo option', (p) => v6({ payload: p, ipo: { payloadLen: 0 } }));
  add('ip6_plen_partial_udp', 'IPv6 payload length 6', (p) => v6({ payload: p, ipo: { payloadLen: 6 } }));
  add('udp6_len_beyond_ip', 'UDP length 100 beyond the IPv6 payload', (p) => v6({ payload: p, udpo: { len: 8 + p.length + 100 } }));
  add('udp6_len_below_8', 'UDP length 4 over IPv6', (p) => v6({ payload: p, udpo: { len: 4 } }));
  add('udp6_len_short_trim', 'UDP length 16 shorter than the IPv6 payload, checksum over the UDP length: the kernel trims',
    (p) => v6({ payload: p, udpo: { len: 8 + 16, csumLen: 8 + 16 } }), { deliver: (p) => p.subarray(0, 16) });

  // --- versions
  add('bad_version4', 'ethertype IPv4, version nibble 5', (p) => v4({ payload: p, ipo: { version: 5 } }));
  add('bad_version4_is_6', 'ethertype IPv4 carrying an IPv6 packet', (p) => {
    const fr = v6({ payload: p });
    fr.writeUInt16BE(0x0800, 12);
    return fr;
  });
  add('bad_version6', 'ethertype IPv6, version nibble 5', (p) => v6({ payload: p, ipo: { version: 5 } }));

  // --- checksums
  add('ip4_bad_header_csum', 'IPv4 header checksum wrong', (p) => v4({ payload: p, ipo: { check: 0x4321 } }));
  add('udp4_bad_csum', 'UDP checksum wrong over IPv4', (p) => v4({ payload: p, udpo: { check: 0x1234 } }));
  add('udp6_bad_csum', 'UDP checksum wrong over IPv6', (p) => v6({ payload: p, udpo: { check: 0x1234 } }));
  add('udp4_zero_csum', 'UDP checksum 0 over IPv4 (none: allowed)', (p) => v4({ payload: p, udpo: { check: 0 } }));
  add('udp6_zero_csum', 'UDP checksum 0 over IPv6 (mandatory there, RFC 8200 8.1)', (p) => v6({ payload: p, udpo: { check: 0 } }));
  const zero4 = (p) => zeroSumPayload(p, f.pseudo4(T.B4, T.A4), 40000, T.PORT4);
  const zero6 = (p) => zeroSumPayload(p, f.pseudo6(T.B6, T.A6), 40000, T.PORT6);
  add('udp4_csum_ffff', 'UDP checksum computing to 0, sent as 0xffff (IPv4)', (p) => v4({ payload: zero4(p) }), { deliver: zero4 });
  add('udp6_csum_ffff', 'UDP checksum computing to 0, sent as 0xffff (IPv6)', (p) => v6({ payload: zero6(p) }), { deliver: zero6 });

  // --- fragments (the steering program passes them: the kernel half reassembles)
  const frag4 = (p, off8, more, ident, part) => {
    const u = f.udp({ sport: 40000, dport: T.PORT4, payload: p, pseudo: f.pseudo4(T.B4, T.A4) });
    const piece = part(u);
    const ip = f.ipv4({ src: T.B4, dst: T.A4, body: piece, id: ident, flags: (more ? 0x2000 : 0) | off8, proto: 17 });
    return f.eth(ctx.macA, ctx.macB, 0x0800, ip);
  };
  add('frag4_pair', 'IPv4 datagram in two fragments', (p) => [
    frag4(p, 0, true, fragId(1), (u) => u.subarray(0, 24)),
    frag4(p, 3, false, fragId(1), (u) => u.subarray(24))]);
  add('frag4_first_only', 'IPv4 first fragment alone (held for reassembly)', (p) => frag4(p, 0, true, fragId(2), (u) => u.subarray(0, 24)));
  add('frag4_last_only', 'IPv4 last fragment alone', (p) => frag4(p, 3, false, fragId(3), (u) => u.subarray(24)));
  const frag6 = (p, off8, more, ident, part) => {
    const u = f.udp({ sport: 40000, dport: T.PORT6, payload: p, pseudo: f.pseudo6(T.B6, T.A6) });
    const body = Buffer.concat([f.frag6(17, off8, more, ident), part(u)]);
    return f.eth(ctx.macA, ctx.macB, 0x86dd, f.ipv6({ src: T.B6, dst: T.A6, body, next: 44 }));
  };
  add('frag6_pair', 'IPv6 datagram in two fragments', (p) => [
    frag6(p, 0, true, fragId(4), (u) => u.subarray(0, 24)),
    frag6(p, 3, false, fragId(4), (u) => u.subarray(24))]);
  add('frag6_atomic', 'IPv6 atomic fragment (offset 0, M=0; RFC 6946)', (p) => frag6(p, 0, false, fragId(5), (u) => u));
  add('frag6_first_only', 'IPv6 first fragment alone', (p) => frag6(p, 0, true, fragId(6), (u) => u.subarray(0, 24)));

  // --- IPv4 options (passed to the kernel half by the steering program)
  const opt = (...b) => Buffer.from(b);
  add('opt4_nop_eol', 'IPv4 options NOP NOP NOP EOL', (p) => v4({ payload: p, ipo: { options: opt(1, 1, 1, 0) } }));
  add('opt4_record_route', 'IPv4 record route with room', (p) => v4({ payload: p, ipo: { options: opt(7, 7, 4, 0, 0, 0, 0, 1) } }));
  add('opt4_router_alert', 'IPv4 router alert', (p) => v4({ payload: p, ipo: { options: opt(148, 4, 0, 0) } }));
  add('opt4_unknown', 'IPv4 unknown option type 30, length 4', (p) => v4({ payload: p, ipo: { options: opt(30, 4, 0, 0) } }));
  add('opt4_lsrr', 'IPv4 loose source route (accept_source_route=0)', (p) => v4({ payload: p,
    ipo: { options: Buffer.concat([opt(131, 7, 4), f.ip4(T.A4), opt(1)]) } }));
  add('opt4_bad_length', 'IPv4 option with length 2 for record route', (p) => v4({ payload: p, ipo: { options: opt(7, 2, 4, 0) } }));

  // --- IPv6 extension headers (not UDP at the fixed offset: passed to the kernel half)
  const padn = opt(1, 2, 0, 0);
  add('ext6_hbh', 'hop-by-hop options (PadN) before UDP', (p) => v6({ payload: p, next: 0, ext: (u) => Buffer.concat([f.ext6(17, padn), u]) }));
  add('ext6_dstopt', 'destination options (PadN) before UDP', (p) => v6({ payload: p, next: 60, ext: (u) => Buffer.concat([f.ext6(17, padn), u]) }));
  add('ext6_hbh_dstopt', 'hop-by-hop then destination options', (p) => v6({ payload: p, next: 0,
    ext: (u) => Buffer.concat([f.ext6(60, padn), f.ext6(17, padn), u]) }));
  add('ext6_unknown_skip', 'unknown destination option, action 00 (skip)', (p) => v6({ payload: p, next: 60,
    ext: (u) => Buffer.concat([f.ext6(17, opt(0x1e, 2, 0, 0)), u]) }));
  add('ext6_unknown_discard', 'unknown destination option, action 01 (discard silently)', (p) => v6({ payload: p, next: 60,
    ext: (u) => Buffer.concat([f.ext6(17, opt(0x5e, 2, 0, 0)), u]) }));
  add('ext6_hbh_not_first', 'hop-by-hop after destination options', (p) => v6({ payload: p, next: 60,
    ext: (u) => Buffer.concat([f.ext6(0, padn), f.ext6(17, padn), u]) }));

  // --- ports the receiver has no socket for (the kernel's NoPorts; port-owned but wrong family)
  add('udp4_no_socket', 'IPv4 to a port nobody bound', (p) => v4({ payload: p, dport: T.PORT_NONE }));
  add('udp6_no_socket', 'IPv6 to a port nobody bound', (p) => v6({ payload: p, dport: T.PORT_NONE }));
  add('udp6_to_v4_port', 'IPv6 to the udp4 socket\'s port', (p) => v6({ payload: p, dport: T.PORT4 }));
  add('udp4_to_v6_port', 'IPv4 to the (ipv6Only) udp6 socket\'s port', (p) => v4({ payload: p, dport: T.PORT6 }));

  // --- random bytes from a fixed seed (test/diff/random.js)
  for (const r of randomKinds({ v4, v6, macA: ctx.macA, macB: ctx.macB })) add(r.kind, r.note, r.build, { size: r.size });
  return entries;
}

/** The corpus id a delivered payload carries, or 0. */
function idOf(buf) {
  return buf.length >= 8 && buf.subarray(0, 4).equals(MAGIC) ? buf.readUInt32BE(4) : 0;
}

module.exports = { build, idOf, payloadFor, mcastMac };
