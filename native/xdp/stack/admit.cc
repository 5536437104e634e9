// See admit.h. Each check names the kernel function it mirrors; the order is the kernel's,
// so a frame that breaks two rules is counted under the reason the kernel would give.
#include "admit.h"
#include <cstring>

namespace ringsock::xdp::stack {

namespace {
bool IsMulticastMac(const Mac& m) { return m.b[0] & 1; }   // broadcast too
bool SameMac(const Mac& a, const Mac& b) { return memcmp(a.b, b.b, 6) == 0; }

bool Lbcast4(const IpAddr& a) { return a.b[0] == 255 && a.b[1] == 255 && a.b[2] == 255 && a.b[3] == 255; }
// The kernel's ipv4_is_zeronet: 0.0.0.0 only (0/8 became usable unicast in Linux 5.3).
bool Zeronet4(const IpAddr& a) { return !(a.b[0] | a.b[1] | a.b[2] | a.b[3]); }
bool Loopback4(const IpAddr& a) { return a.b[0] == 127; }
bool LocalMulticast4(const IpAddr& a) { return a.b[0] == 224 && a.b[1] == 0 && a.b[2] == 0; }

bool Loopback6(const IpAddr& a) {
  static const uint8_t one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return memcmp(a.b, one, 16) == 0;
}
uint8_t McScope6(const IpAddr& a) { return a.b[1] & 0x0f; }

// fib_validate_source: the source of a datagram for us must not be one of our own addresses,
// and with rp_filter the route back to it must be a unicast one (strict: through this interface).
Refusal ValidateSource(const IpAddr& src, const RxConf& conf, RxFacts& facts) {
  if (conf.rp_filter == 0) {
    return !conf.accept_local && facts.IsOwnAddress(src) ? Refusal::kLocalSource : Refusal::kNone;
  }
  switch (facts.RouteTo(src)) {
    case RouteBack::kLocal: return conf.accept_local ? Refusal::kNone : Refusal::kLocalSource;
    case RouteBack::kNone: return Refusal::kReversePath;
    case RouteBack::kOtherInterface: return conf.rp_filter == 1 ? Refusal::kReversePath : Refusal::kNone;
    case RouteBack::kThisInterface: return Refusal::kNone;
  }
  return Refusal::kNone;
}

// ip_rcv_core + ip_route_input_rcu / ip_route_input_mc / ip_route_input_slow.
Refusal Admit4(const UdpView& v, bool l2_multi, const RxConf& conf, RxFacts& facts) {
  const IpAddr &src = v.src, &dst = v.dst;
  if (dst.IsMulticast()) {
    if (!KernelJoins(dst) && !facts.IsJoined(dst)) return Refusal::kNotLocal;
    if (src.IsMulticast() || Lbcast4(src)) return Refusal::kMartianSource;
    if (Loopback4(src) && !conf.route_localnet) return Refusal::kMartianSource;
    if (Zeronet4(src)) return LocalMulticast4(dst) ? Refusal::kNone : Refusal::kMartianSource;
    return ValidateSource(src, conf, facts);
  }
  if (src.IsMulticast() || Lbcast4(src)) return Refusal::kMartianSource;
  bool broadcast = Lbcast4(dst) || (Zeronet4(src) && Zeronet4(dst));
  if (!broadcast) {
    if (Zeronet4(src)) return Refusal::kMartianSource;
    if (Zeronet4(dst)) return Refusal::kMartianDestination;
    if (Loopback4(dst)) {
      if (!conf.route_localnet) return Refusal::kMartianDestination;
    } else if (Loopback4(src) && !conf.route_localnet) {
      return Refusal::kMartianSource;
    }
    if (facts.IsSubnetBroadcast(dst)) {
      broadcast = true;
    } else if (!facts.IsOwnAddress(dst)) {
      return Refusal::kNotLocal;   // the kernel forwards it or drops it: never ours
    }
  }
  // DHCP's 0.0.0.0 -> 255.255.255.255 is taken without a source check.
  Refusal r = broadcast && Zeronet4(src) ? Refusal::kNone : ValidateSource(src, conf, facts);
  // ip_rcv_finish_core, after the route: a unicast datagram in an Ethernet multicast.
  if (r == Refusal::kNone && !broadcast && l2_multi && conf.drop_unicast_in_l2_multicast)
    return Refusal::kL2Multicast;
  return r;
}

// ip6_rcv_core, then ip6_route_input (local address) / ip6_mc_input (joined group).
Refusal Admit6(const UdpView& v, bool l2_multi, const RxConf& conf, RxFacts& facts) {
  const IpAddr &src = v.src, &dst = v.dst;
  if (Loopback6(src)) return Refusal::kMartianSource;
  if (Loopback6(dst)) return Refusal::kMartianDestination;
  if (dst.IsMulticast() && McScope6(dst) == 1) return Refusal::kMartianDestination;
  if (!dst.IsMulticast() && l2_multi && conf.drop_unicast_in_l2_multicast) return Refusal::kL2Multicast;
  if (dst.IsMulticast() && McScope6(dst) == 0) return Refusal::kMartianDestination;
  if (src.IsMulticast()) return Refusal::kMartianSource;
  if (dst.IsMulticast()) return KernelJoins(dst) || facts.IsJoined(dst) ? Refusal::kNone : Refusal::kNotLocal;
  return facts.IsOwnAddress(dst) ? Refusal::kNone : Refusal::kNotLocal;
}
}  // namespace

const char* RefusalName(Refusal r) {
  switch (r) {
    case Refusal::kNone: return "none";
    case Refusal::kForeignMac: return "foreign_mac";
    case Refusal::kMartianSource: return "martian_source";
    case Refusal::kMartianDestination: return "martian_destination";
    case Refusal::kLocalSource: return "local_source";
    case Refusal::kReversePath: return "reverse_path";
    case Refusal::kL2Multicast: return "unicast_in_l2_multicast";
    case Refusal::kNotLocal: return "not_local";
    default: return "?";
  }
}

bool KernelJoins(const IpAddr& g) {
  if (g.family == 4) return g.b[0] == 224 && g.b[1] == 0 && g.b[2] == 0 && g.b[3] == 1;
  static const uint8_t all_nodes[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return g.family == 6 && memcmp(g.b, all_nodes, 16) == 0;
}

IpAddr SolicitedNode(const IpAddr& a) {
  IpAddr g;
  g.family = 6;
  static const uint8_t prefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
  memcpy(g.b, prefix, 13);
  memcpy(g.b + 13, a.b + 13, 3);
  return g;
}

Refusal Admit(const UdpView& v, const Mac& own_mac, const RxConf& conf, RxFacts& facts) {
  bool l2_multi = IsMulticastMac(v.dst_mac);
  if (!l2_multi && !SameMac(v.dst_mac, own_mac)) return Refusal::kForeignMac;
  return v.dst.family == 4 ? Admit4(v, l2_multi, conf, facts) : Admit6(v, l2_multi, conf, facts);
}

}  // namespace ringsock::xdp::stack
