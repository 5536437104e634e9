// libFuzzer target over the XSK receive path's pure code: ParseUdp, then Admit, on any bytes.
// The first 2 input bytes pick the receiving host's configuration and its answers (sysctls,
// route back, own address); the rest is the frame. Built with ASan + UBSan (`make fuzz`), so
// any read outside the frame, overflow or undefined behaviour is a finding; the invariants
// below are the rest.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>
#include "../admit.h"

using namespace ringsock::xdp::stack;

namespace {
const Mac kOwn{{2, 0, 0, 0, 0, 2}};

class FuzzHost : public RxFacts {
 public:
  explicit FuzzHost(uint8_t knobs) : knobs_(knobs) {}
  bool IsOwnAddress(const IpAddr& a) override { return (knobs_ & 1) || a.b[a.family == 4 ? 3 : 15] == 2; }
  bool IsSubnetBroadcast(const IpAddr& a) override { return a.family == 4 && a.b[3] == 255; }
  bool IsJoined(const IpAddr&) override { return knobs_ & 2; }
  RouteBack RouteTo(const IpAddr&) override { return RouteBack((knobs_ >> 2) & 3); }

 private:
  uint8_t knobs_;
};

void Require(bool ok) {
  if (!ok) abort();
}

bool Loopback(const IpAddr& a) {
  if (a.family == 4) return a.b[0] == 127;
  static const uint8_t one[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return memcmp(a.b, one, 16) == 0;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  RxConf conf;
  conf.rp_filter = data[0] % 3;
  conf.accept_local = data[0] & 4;
  conf.route_localnet = data[0] & 8;
  conf.drop_unicast_in_l2_multicast = data[0] & 16;
  FuzzHost host(data[1]);
  // An exact-size heap copy: ASan sees any read past the frame's end.
  std::vector<uint8_t> frame(data + 2, data + size);
  UdpView v;
  Verdict verdict = ParseUdp(frame.data(), uint32_t(frame.size()), &v);
  if (verdict != Verdict::kOk) return 0;
  Require(v.payload >= frame.data() && v.payload + v.len <= frame.data() + frame.size());
  Require(v.src.family == v.dst.family && (v.src.family == 4 || v.src.family == 6));
  Refusal r = Admit(v, kOwn, conf, host);
  Require(r < Refusal::kCount);
  if (r == Refusal::kNone) {
    // Nothing the kernel always refuses gets through.
    bool own_mac = memcmp(v.dst_mac.b, kOwn.b, 6) == 0;
    Require(own_mac || (v.dst_mac.b[0] & 1));
    Require(!v.src.IsMulticast());
    if (!conf.route_localnet || v.src.family == 6) Require(!Loopback(v.src) && !Loopback(v.dst));
  }
  return 0;
}
