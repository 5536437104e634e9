// The kernel's acceptance rules (admit.h), case by case, on a host with one interface
// (10.99.5.2/24, fd99::5:2, MAC 02:00:00:00:00:02) and the group 239.1.1.1 joined.
#include <cstring>
#include <vector>
#include "../admit.h"
#include "check.h"
#include "frames.h"

using namespace t;

namespace {
const Mac kOwn{{2, 0, 0, 0, 0, 2}};

class FakeHost : public RxFacts {
 public:
  std::vector<IpAddr> addrs{V4(10, 99, 5, 2), V6(2), V4(127, 0, 0, 1)};
  IpAddr bcast = V4(10, 99, 5, 255), group = V4(239, 1, 1, 1);
  RouteBack route = RouteBack::kThisInterface;
  int route_asks = 0;
  bool IsOwnAddress(const IpAddr& a) override {
    for (auto& x : addrs)
      if (x == a) return true;
    return false;
  }
  bool IsSubnetBroadcast(const IpAddr& a) override { return a == bcast; }
  bool IsJoined(const IpAddr& g) override { return g == group || g == SolicitedNode(V6(2)); }
  RouteBack RouteTo(const IpAddr&) override { route_asks++; return route; }
};

IpAddr Ip6(std::initializer_list<uint8_t> bytes) {
  IpAddr a; a.family = 6;
  size_t i = 0;
  for (uint8_t b : bytes) a.b[i++] = b;
  return a;
}

UdpView View(const IpAddr& src, const IpAddr& dst, Mac dst_mac = kOwn) {
  UdpView v;
  v.src = src; v.dst = dst; v.dst_mac = dst_mac;
  return v;
}

Refusal Run(const UdpView& v, RxConf conf = {}, FakeHost* h = nullptr) {
  FakeHost local;
  return Admit(v, kOwn, conf, h ? *h : local);
}

#define EXPECT(call, want)                                                                  \
  do {                                                                                      \
    Refusal got = (call);                                                                   \
    if (got != (want)) fprintf(stderr, "  line %d: %s, want %s\n", __LINE__, RefusalName(got), \
                               RefusalName(want));                                          \
    CHECK(got == (want));                                                                   \
  } while (0)
}  // namespace

static void TestLinkLayer() {
  const IpAddr peer = V4(10, 99, 5, 1), me = V4(10, 99, 5, 2);
  EXPECT(Run(View(peer, me)), Refusal::kNone);
  EXPECT(Run(View(peer, me, Mac{{2, 0, 0, 0, 0, 9}})), Refusal::kForeignMac);
  EXPECT(Run(View(V6(1), V6(2), Mac{{2, 0, 0, 0, 0, 9}})), Refusal::kForeignMac);
  // Unicast IP in an Ethernet broadcast: taken unless drop_unicast_in_l2_multicast.
  EXPECT(Run(View(peer, me, kBroadcastMac)), Refusal::kNone);
  RxConf strict_l2;
  strict_l2.drop_unicast_in_l2_multicast = true;
  EXPECT(Run(View(peer, me, kBroadcastMac), strict_l2), Refusal::kL2Multicast);
  EXPECT(Run(View(V6(1), V6(2), kBroadcastMac), strict_l2), Refusal::kL2Multicast);
  EXPECT(Run(View(peer, V4(10, 99, 5, 255), kBroadcastMac), strict_l2), Refusal::kNone);
}

static void TestIpv4() {
  const IpAddr me = V4(10, 99, 5, 2), peer = V4(10, 99, 5, 1);
  EXPECT(Run(View(V4(127, 0, 0, 1), me)), Refusal::kMartianSource);
  EXPECT(Run(View(V4(0, 0, 0, 0), me)), Refusal::kMartianSource);
  EXPECT(Run(View(V4(0, 1, 2, 3), me)), Refusal::kNone);   // 0/8 but 0.0.0.0 is unicast since 5.3
  EXPECT(Run(View(V4(224, 0, 0, 5), me)), Refusal::kMartianSource);
  EXPECT(Run(View(V4(255, 255, 255, 255), me)), Refusal::kMartianSource);
  EXPECT(Run(View(me, me)), Refusal::kLocalSource);
  EXPECT(Run(View(peer, V4(0, 0, 0, 0))), Refusal::kMartianDestination);
  EXPECT(Run(View(peer, V4(0, 0, 0, 1))), Refusal::kNotLocal);
  EXPECT(Run(View(peer, V4(127, 0, 0, 1))), Refusal::kMartianDestination);
  EXPECT(Run(View(peer, V4(10, 99, 5, 7))), Refusal::kNotLocal);
  // Broadcasts; DHCP's all-zero source is taken only towards 255.255.255.255.
  EXPECT(Run(View(peer, V4(255, 255, 255, 255), kBroadcastMac)), Refusal::kNone);
  EXPECT(Run(View(peer, V4(10, 99, 5, 255), kBroadcastMac)), Refusal::kNone);
  EXPECT(Run(View(V4(0, 0, 0, 0), V4(255, 255, 255, 255), kBroadcastMac)), Refusal::kNone);
  EXPECT(Run(View(V4(0, 0, 0, 0), V4(10, 99, 5, 255), kBroadcastMac)), Refusal::kMartianSource);
  // route_localnet makes 127/8 an ordinary source / destination.
  RxConf localnet;
  localnet.route_localnet = true;
  EXPECT(Run(View(V4(127, 0, 0, 9), me), localnet), Refusal::kNone);
  EXPECT(Run(View(peer, V4(127, 0, 0, 1)), localnet), Refusal::kNone);
  // accept_local takes our own addresses as sources.
  RxConf accept_local;
  accept_local.accept_local = true;
  EXPECT(Run(View(me, me), accept_local), Refusal::kNone);
}

static void TestMulticast4() {
  const IpAddr peer = V4(10, 99, 5, 1);
  Mac m = MulticastMac(V4(239, 1, 1, 1));
  EXPECT(Run(View(peer, V4(239, 1, 1, 1), m)), Refusal::kNone);
  EXPECT(Run(View(peer, V4(239, 1, 1, 2), MulticastMac(V4(239, 1, 1, 2)))), Refusal::kNotLocal);
  EXPECT(Run(View(peer, V4(224, 0, 0, 1), MulticastMac(V4(224, 0, 0, 1)))), Refusal::kNone);
  EXPECT(Run(View(V4(127, 0, 0, 1), V4(239, 1, 1, 1), m)), Refusal::kMartianSource);
  EXPECT(Run(View(V4(10, 99, 5, 2), V4(239, 1, 1, 1), m)), Refusal::kLocalSource);
  // The zero source only towards 224.0.0.x.
  EXPECT(Run(View(V4(0, 0, 0, 0), V4(239, 1, 1, 1), m)), Refusal::kMartianSource);
  EXPECT(Run(View(V4(0, 0, 0, 0), V4(224, 0, 0, 1), MulticastMac(V4(224, 0, 0, 1)))), Refusal::kNone);
}

static void TestReversePath() {
  const IpAddr me = V4(10, 99, 5, 2), far = V4(10, 99, 77, 5);
  RxConf strict, loose;
  strict.rp_filter = 1;
  loose.rp_filter = 2;
  FakeHost h;
  EXPECT(Run(View(far, me), {}, &h), Refusal::kNone);
  CHECK_EQ(h.route_asks, 0);   // rp_filter off: no route lookup
  h.route = RouteBack::kNone;
  EXPECT(Run(View(far, me), strict, &h), Refusal::kReversePath);
  EXPECT(Run(View(far, me), loose, &h), Refusal::kReversePath);
  h.route = RouteBack::kOtherInterface;
  EXPECT(Run(View(far, me), strict, &h), Refusal::kReversePath);
  EXPECT(Run(View(far, me), loose, &h), Refusal::kNone);
  h.route = RouteBack::kLocal;
  EXPECT(Run(View(far, me), loose, &h), Refusal::kLocalSource);
  h.route = RouteBack::kThisInterface;
  EXPECT(Run(View(far, me), strict, &h), Refusal::kNone);
}

static void TestIpv6() {
  const IpAddr me = V6(2), peer = V6(1);
  const IpAddr loop = Ip6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  EXPECT(Run(View(peer, me)), Refusal::kNone);
  EXPECT(Run(View(loop, me)), Refusal::kMartianSource);
  EXPECT(Run(View(peer, loop)), Refusal::kMartianDestination);
  EXPECT(Run(View(Ip6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}), me)), Refusal::kMartianSource);
  // The unspecified, a v4-mapped and our own address as source are taken over IPv6 (the
  // kernel's differential test says so for 6.18).
  EXPECT(Run(View(V4(10, 99, 5, 1).Mapped(), me)), Refusal::kNone);
  EXPECT(Run(View(Ip6({}), me)), Refusal::kNone);
  EXPECT(Run(View(me, me)), Refusal::kNone);
  EXPECT(Run(View(peer, V6(7))), Refusal::kNotLocal);
  // Multicast: all-nodes and our solicited-node group are joined by the kernel; interface-local
  // (ff01::) and scope 0 never come from the wire.
  IpAddr all_nodes = Ip6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  EXPECT(Run(View(peer, all_nodes, MulticastMac(all_nodes))), Refusal::kNone);
  EXPECT(Run(View(peer, SolicitedNode(me), MulticastMac(SolicitedNode(me)))), Refusal::kNone);
  IpAddr other = Ip6({0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9});
  EXPECT(Run(View(peer, other, MulticastMac(other))), Refusal::kNotLocal);
  IpAddr node_local = Ip6({0xff, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  EXPECT(Run(View(peer, node_local, MulticastMac(node_local))), Refusal::kMartianDestination);
  IpAddr scope0 = Ip6({0xff, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  EXPECT(Run(View(peer, scope0, MulticastMac(scope0))), Refusal::kMartianDestination);
}

int main() {
  TestLinkLayer();
  TestIpv4();
  TestMulticast4();
  TestReversePath();
  TestIpv6();
  TEST_MAIN_END("admit_test");
}
