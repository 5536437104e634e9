// The kernel's rules for a received UDP datagram it would deliver locally, for frames the XSK
// takes before the kernel sees them: what eth_type_trans, ip_rcv / ip_route_input
// (fib_validate_source, rp_filter) and ipv6_rcv would drop is refused here too, by the same
// reason, so a bypassed port lets in nothing the kernel keeps out. Pure code, like packet.h:
// the host is asked through RxFacts, so tests and the fuzz target can drive it alone.
#pragma once
#include "packet.h"

namespace ringsock::xdp::stack {

// The receiving interface's sysctls that change acceptance (net.ipv4.conf.{all,IF}.*).
struct RxConf {
  int rp_filter = 0;              // max(all, IF): 0 off, 1 strict, 2 loose
  bool accept_local = false;      // all || IF: a source that is one of our addresses is taken
  bool route_localnet = false;    // all || IF: 127/8 is routable on the wire
  bool drop_unicast_in_l2_multicast = false;   // IPv4: all || IF; IPv6: IF
};

// Where the kernel's route back to a source leads (rp_filter).
enum class RouteBack : uint8_t { kThisInterface, kOtherInterface, kLocal, kNone };

class RxFacts {
 public:
  virtual ~RxFacts() = default;
  // Configured on any interface of this network namespace (the kernel's weak host model).
  virtual bool IsOwnAddress(const IpAddr& a) = 0;
  // An IPv4 subnet broadcast address of this namespace.
  virtual bool IsSubnetBroadcast(const IpAddr& a) = 0;
  // Joined on the receiving interface by a socket, or by the kernel itself (KernelJoins).
  virtual bool IsJoined(const IpAddr& group) = 0;
  // Asked only when rp_filter is on.
  virtual RouteBack RouteTo(const IpAddr& src) = 0;
};

enum class Refusal : uint8_t {
  kNone = 0,
  kForeignMac,          // unicast Ethernet destination not the interface's (PACKET_OTHERHOST)
  kMartianSource,       // multicast, broadcast, 0/8, loopback (never from the wire)
  kMartianDestination,  // 0/8, loopback, reserved or interface-local multicast scope
  kLocalSource,         // IPv4 source is one of our addresses (fib_validate_source)
  kReversePath,         // rp_filter: the route back to the source does not use this interface
  kL2Multicast,         // unicast IP in an Ethernet multicast/broadcast (drop_unicast_in_l2_multicast)
  kNotLocal,            // not an address, broadcast or joined group of this host
  kCount
};
const char* RefusalName(Refusal r);

// Groups the kernel joins on every interface by itself: 224.0.0.1, ff02::1.
bool KernelJoins(const IpAddr& group);
// The solicited-node group of an IPv6 unicast address (ff02::1:ffXX:XXXX), which the kernel
// joins for each address it configures.
IpAddr SolicitedNode(const IpAddr& a);

Refusal Admit(const UdpView& v, const Mac& own_mac, const RxConf& conf, RxFacts& facts);

}  // namespace ringsock::xdp::stack
