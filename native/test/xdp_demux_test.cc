// The xdp frame path without Node, root or a NIC: frames from a mock device (one interface,
// 10.99.5.2/24 + fd99::5:2, MAC 02:00:00:00:00:02, group 239.1.1.1 joined, two rx queues) go
// through xdp/demux.h into recording endpoints. Checked: which transport got which datagram
// from which queue, exact binds before wildcards, multicast fan-out, connected flows before
// ports, and that every frame the kernel would drop (foreign MAC, martian or own source, bad
// length or checksum, truncated, not UDP, no socket) is dropped and counted by its reason.
#include <cstring>
#include <string>
#include <vector>
#include "xdp/demux.h"
#include "xdp/stack/test/check.h"
#include "xdp/stack/test/frames.h"

using namespace t;
using ringsock::xdp::Demux;
using ringsock::xdp::Endpoint;
using ringsock::xdp::Queue;
using ringsock::xdp::RxCounters;
using ringsock::xdp::RxFrom;
using ringsock::xdp::RxInterface;

namespace {

const Mac kOwn{{2, 0, 0, 0, 0, 2}};

class MockHost : public RxFacts {
 public:
  bool IsOwnAddress(const IpAddr& a) override { return a == V4(10, 99, 5, 2) || a == V6(2); }
  bool IsSubnetBroadcast(const IpAddr& a) override { return a == V4(10, 99, 5, 255); }
  bool IsJoined(const IpAddr& g) override { return g == V4(239, 1, 1, 1) || KernelJoins(g); }
  RouteBack RouteTo(const IpAddr&) override { return RouteBack::kThisInterface; }
};

// A transport that records what it was handed.
struct Recorder : Endpoint {
  uint8_t family;
  IpAddr bound;   // family 0: wildcard
  IpAddr peer;    // family 0: not connected
  std::vector<std::string> got;
  std::vector<uint32_t> queues;
  std::vector<uint16_t> sports;
  int delivered = 0;

  Recorder(uint8_t fam, IpAddr b = {}) : family(fam), bound(b) {}
  bool Accepts(const UdpView& v) const override {
    if (v.dst.family != family) return false;
    if (bound.family && !(bound == v.dst)) return false;
    if (peer.family && !(peer == v.src)) return false;
    return true;
  }
  bool Wildcard() const override { return bound.family == 0; }
  void Take(const UdpView& v, const RxFrom& from) override {
    got.emplace_back(reinterpret_cast<const char*>(v.payload), v.len);
    queues.push_back(from.queue_id);
    sports.push_back(v.sport);
  }
  void Deliver() override { delivered++; }
};

// The mock device: frames are built as a peer on the wire would send them.
struct Device {
  MockHost host;
  RxConf conf;
  RxInterface iface{kOwn, &conf, &conf, &host};
  std::string name = "mock0";
  RxCounters counters;
  Demux demux;

  void In(const std::vector<uint8_t>& frame, uint32_t queue = 0) {
    RxFrom from{&name, reinterpret_cast<Queue*>(uintptr_t(0x1000 + queue)), queue};
    demux.Receive(frame.data(), uint32_t(frame.size()), iface, from, &counters);
  }
  uint64_t Verdict(ringsock::xdp::stack::Verdict v) const { return counters.verdicts[size_t(v)]; }
  uint64_t Refused(Refusal r) const { return counters.refusals[size_t(r)]; }
  void Round() {
    std::vector<Endpoint*> dirty;
    demux.TakeDirty(&dirty);
    for (Endpoint* e : dirty) {
      if (!e->dirty) continue;
      e->dirty = false;
      e->Deliver();
    }
  }
};

std::vector<uint8_t> Frame(UdpSpec s, const std::string& payload) {
  std::vector<uint8_t> buf(2048);
  Slice sl{reinterpret_cast<const uint8_t*>(payload.data()), uint32_t(payload.size())};
  buf.resize(BuildUdp(buf.data(), uint32_t(buf.size()), s, &sl, 1));
  return buf;
}

UdpSpec To(uint8_t family, uint16_t dport, uint16_t sport = 5000) {
  UdpSpec s = Spec(family);
  s.dport = dport;
  s.sport = sport;
  return s;
}

}  // namespace

static void TestPortsAndQueues() {
  Device d;
  Recorder wild4(4), exact4(4, V4(10, 99, 5, 2)), wild6(6);
  d.demux.AddPort(kProtoUdp, 9000, &wild4);
  d.demux.AddPort(kProtoUdp, 9001, &exact4);
  d.demux.AddPort(kProtoUdp, 9001, &wild4);
  d.demux.AddPort(kProtoUdp, 9000, &wild6);

  d.In(Frame(To(4, 9000), "a"), 0);
  d.In(Frame(To(4, 9000, 5001), "b"), 1);
  d.In(Frame(To(6, 9000), "c"), 1);
  // Unicast: the exact bind wins over the wildcard one on the same port.
  d.In(Frame(To(4, 9001), "d"), 0);
  CHECK(wild4.got == (std::vector<std::string>{"a", "b"}));
  CHECK(wild4.queues == (std::vector<uint32_t>{0, 1}));   // the queue each flow came in on
  CHECK(wild4.sports == (std::vector<uint16_t>{5000, 5001}));
  CHECK(wild6.got == std::vector<std::string>{"c"});
  CHECK(exact4.got == std::vector<std::string>{"d"});
  CHECK_EQ(d.Verdict(ringsock::xdp::stack::Verdict::kOk), 4u);

  // One delivery per endpoint per round, however many datagrams it took.
  d.Round();
  CHECK_EQ(wild4.delivered, 1);
  CHECK_EQ(wild6.delivered, 1);
  CHECK_EQ(exact4.delivered, 1);
  d.Round();
  CHECK_EQ(wild4.delivered, 1);

  // No socket on the port, or none that accepts it: counted, not delivered.
  d.In(Frame(To(4, 9999), "x"));
  Recorder only6(6);
  d.demux.AddPort(kProtoUdp, 9100, &only6);
  d.In(Frame(To(4, 9100), "y"));
  CHECK_EQ(d.counters.no_socket, 2u);
  CHECK(only6.got.empty());

  // A removed endpoint gets nothing more, and a pending delivery of it is dropped.
  d.In(Frame(To(4, 9000), "e"));
  d.demux.Remove(&wild4);
  d.Round();
  CHECK_EQ(wild4.delivered, 1);
  d.In(Frame(To(4, 9000), "f"));
  CHECK(wild4.got.size() == 3);
  CHECK_EQ(d.counters.no_socket, 3u);
}

static void TestMulticastAndBroadcast() {
  Device d;
  Recorder a(4), b(4), c(4, V4(10, 99, 5, 2));
  for (Recorder* r : {&a, &b, &c}) d.demux.AddPort(kProtoUdp, 7000, r);
  UdpSpec s = To(4, 7000);
  s.dst = V4(239, 1, 1, 1);
  s.dst_mac = MulticastMac(s.dst);
  d.In(Frame(s, "group"));
  s.dst = V4(10, 99, 5, 255);
  s.dst_mac = kBroadcastMac;
  d.In(Frame(s, "bcast"));
  // Every socket that accepts it: the wildcard ones (the exact one is bound elsewhere).
  CHECK(a.got == (std::vector<std::string>{"group", "bcast"}));
  CHECK(b.got == (std::vector<std::string>{"group", "bcast"}));
  CHECK(c.got.empty());
  // A group nobody here joined: the kernel would not deliver it.
  s.dst = V4(239, 9, 9, 9);
  s.dst_mac = MulticastMac(s.dst);
  d.In(Frame(s, "other"));
  CHECK_EQ(d.Refused(Refusal::kNotLocal), 1u);
  CHECK(a.got.size() == 2);
}

static void TestConnectedFlowFirst() {
  Device d;
  Recorder listener(4), conn(4);
  d.demux.AddPort(kProtoUdp, 8000, &listener);
  Demux::FourTuple t{V4(10, 99, 5, 2), V4(10, 99, 5, 1), 8000, 6000};
  d.demux.AddFlow(kProtoUdp, t, &conn);
  d.In(Frame(To(4, 8000, 6000), "flow"));
  d.In(Frame(To(4, 8000, 6001), "other"));
  CHECK(conn.got == std::vector<std::string>{"flow"});
  CHECK(listener.got == std::vector<std::string>{"other"});
  d.demux.RemoveFlow(kProtoUdp, t);
  d.In(Frame(To(4, 8000, 6000), "after"));
  CHECK(listener.got.size() == 2 && listener.got[1] == "after");
}

// What the kernel drops is dropped here, counted by reason, and reaches no endpoint.
static void TestDrops() {
  Device d;
  Recorder r4(4), r6(6);
  d.demux.AddPort(kProtoUdp, 9000, &r4);
  d.demux.AddPort(kProtoUdp, 9000, &r6);

  UdpSpec s = To(4, 9000);
  s.dst_mac = Mac{{2, 0, 0, 0, 0, 9}};
  d.In(Frame(s, "foreign mac"));
  CHECK_EQ(d.Refused(Refusal::kForeignMac), 1u);

  s = To(4, 9000);
  s.src = V4(127, 0, 0, 1);
  d.In(Frame(s, "loopback source"));
  s.src = V4(224, 0, 0, 5);
  d.In(Frame(s, "multicast source"));
  CHECK_EQ(d.Refused(Refusal::kMartianSource), 2u);

  s = To(4, 9000);
  s.src = V4(10, 99, 5, 2);   // our own address, from the wire
  d.In(Frame(s, "own source"));
  CHECK_EQ(d.Refused(Refusal::kLocalSource), 1u);

  s = To(4, 9000);
  s.dst = V4(10, 99, 7, 7);   // not an address of this host
  d.In(Frame(s, "not ours"));
  CHECK_EQ(d.Refused(Refusal::kNotLocal), 1u);

  std::vector<uint8_t> f = Frame(To(4, 9000), "bad checksum");
  f.back() ^= 0x01;
  d.In(f);
  f = Frame(To(6, 9000), "bad checksum v6");
  f.back() ^= 0x01;
  d.In(f);
  CHECK_EQ(d.Verdict(ringsock::xdp::stack::Verdict::kBadChecksum), 2u);

  f = Frame(To(4, 9000), "truncated");
  f.resize(f.size() - 4);
  d.In(f);
  CHECK_EQ(d.Verdict(ringsock::xdp::stack::Verdict::kTruncated), 1u);

  f = Frame(To(4, 9000), "bad udp length");
  f[14 + 20 + 4] = 0xff;   // UDP length beyond the IP payload
  d.In(f);
  CHECK_EQ(d.Verdict(ringsock::xdp::stack::Verdict::kBadLength), 1u);

  f = Frame(To(4, 9000), "arp");
  f[12] = 0x08;
  f[13] = 0x06;
  d.In(f);
  f = Frame(To(4, 9000), "tcp");
  f[14 + 9] = kProtoTcp;   // (the IPv4 header checksum still matches: only the protocol is looked at)
  d.In(f);
  CHECK_EQ(d.Verdict(ringsock::xdp::stack::Verdict::kNotIp) + d.Verdict(ringsock::xdp::stack::Verdict::kNotUdp) +
               d.Verdict(ringsock::xdp::stack::Verdict::kBadChecksum),
           4u);

  CHECK(r4.got.empty());
  CHECK(r6.got.empty());
  CHECK_EQ(d.Verdict(ringsock::xdp::stack::Verdict::kOk), 5u);   // well formed, refused by Admit
  // And a good frame after all that still arrives.
  d.In(Frame(To(4, 9000), "good"));
  CHECK(r4.got == std::vector<std::string>{"good"});
}

int main() {
  TestPortsAndQueues();
  TestMulticastAndBroadcast();
  TestConnectedFlowFirst();
  TestDrops();
  TEST_MAIN_END("xdp_demux_test");
}
