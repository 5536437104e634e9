'use strict';
// What the differential harness lets differ between the kernel and the bypass, each with its
// reason, and which kernel counters count the same thing as each of ringsock's drop reasons.
// Keep this short: a line here is a promise that the difference is not a bug.

/**
 * Allowed differences: { kinds: RegExp, check: which comparison it relaxes, reason }.
 * check: 'reason' = the drop's counter class (delivery and "it was counted" stay compared);
 * 'icmp' = the ICMP errors the sender gets back.
 */
const ALLOWED = [
  {
    kinds: /^rand_/,
    check: 'reason',
    reason: 'several faults at once; a random frame breaks several fields, and a changed address breaks ' +
      'the UDP checksum too (pseudo header); the kernel and packet.cc test them in different orders ' +
      '(the kernel: the IPv4 header checksum before the total length, the route before UDP), so the ' +
      'first fault found, and its counter, may differ. Delivery and counting are still compared.',
  },
];

/**
 * ringsock drop reason -> the kernel counters that mean the same (counters.js names). A drop the
 * kernel makes silently (no SNMP counter: OTHERHOST, a group nobody joined, a source route) is
 * comparable to any ringsock drop reason. A ringsock reason missing here fails the harness: say
 * what it corresponds to before relying on it.
 */
const COMPARABLE = {
  truncated: ['IpExt.InTruncatedPkts', 'Ip6.InTruncatedPkts', 'Ip.InHdrErrors', 'Ip6.InHdrErrors'],
  bad_length: ['Ip.InHdrErrors', 'Ip6.InHdrErrors', 'Udp.InErrors', 'Udp6.InErrors', 'IpExt.InTruncatedPkts', 'Ip6.InTruncatedPkts'],
  bad_checksum: ['IpExt.InCsumErrors', 'Udp.InCsumErrors', 'Udp6.InCsumErrors'],
  bad_version: ['Ip.InHdrErrors', 'Ip6.InHdrErrors'],
  not_udp: ['Ip.InUnknownProtos', 'Ip6.InUnknownProtos'],
  no_socket: ['Udp.NoPorts', 'Udp6.NoPorts'],
  // stack/admit.cc's reasons (docs/XDP.md, "The kernel's acceptance rules").
  foreign_mac: [],
  martian_source: ['rt_cache.in_martian_src', 'Ip6.InHdrErrors', 'Ip6.InAddrErrors'],
  martian_destination: ['rt_cache.in_martian_dst', 'Ip.InAddrErrors', 'Ip6.InHdrErrors', 'Ip6.InAddrErrors'],
  local_source: ['rt_cache.in_martian_src'],
  reverse_path: ['TcpExt.IPReversePathFilter', 'rt_cache.in_martian_src'],
  unicast_in_l2_multicast: ['Ip.InAddrErrors', 'Ip6.InAddrErrors'],
  not_local: ['Ip.InAddrErrors', 'Ip6.InAddrErrors', 'IpExt.InNoRoutes', 'Ip6.InNoRoutes', 'Ip6.InHdrErrors',
    'rt_cache.in_martian_src', 'rt_cache.in_martian_dst', 'TcpExt.IPReversePathFilter'],
  dropped: ['Udp.RcvbufErrors', 'Udp6.RcvbufErrors'],
};

function allowed(kind, check) {
  return ALLOWED.find((a) => a.check === check && a.kinds.test(kind)) || null;
}

module.exports = { ALLOWED, COMPARABLE, allowed };
