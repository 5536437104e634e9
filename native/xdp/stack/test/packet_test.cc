// Round trips and known answers for packet.cc. Reads like a packet trace: build, look at
// the bytes, parse back.
#include "check.h"
#include "frames.h"

using namespace t;

static void TestChecksumRfc1071() {
  // RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2 (ones' complement).
  const uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  uint32_t s = CsumAdd(0, d, sizeof d);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  CHECK_EQ(s, 0xddf2u);
  CHECK_EQ(CsumFold(CsumAdd(0, d, sizeof d)), uint16_t(~0xddf2));
  // Odd length pads with a zero byte.
  const uint8_t o[] = {0x12, 0x34, 0x56};
  CHECK_EQ(CsumFold(CsumAdd(0, o, 3)), uint16_t(~(0x1234 + 0x5600)));
}

static void TestKnownIpv4Header() {
  // A well-known IPv4 header (Wikipedia "IPv4 header checksum"): checksum b861.
  uint8_t f[14 + 20 + 8] = {};
  UdpSpec s = Spec(4);
  s.src = V4(192, 168, 0, 1); s.dst = V4(192, 168, 0, 199);
  uint32_t n = BuildUdp(f, sizeof f, s, nullptr, 0);
  CHECK_EQ(n, 42u);
  CHECK_EQ(f[12], 0x08); CHECK_EQ(f[13], 0x00);
  CHECK_EQ(f[14], 0x45);
  CHECK_EQ(f[14 + 2] << 8 | f[14 + 3], 28);  // total length
  CHECK_EQ(f[14 + 8], 64);                     // TTL
  CHECK_EQ(f[14 + 9], 17);                     // UDP
  CHECK_EQ(CsumFold(CsumAdd(0, f + 14, 20)), 0);
}

static void TestRoundTrip(uint8_t family) {
  for (uint32_t len : {0u, 1u, 2u, 17u, 64u, 1000u, 1472u, 2000u}) {
    uint8_t f[4096];
    uint32_t n = Build(f, family, len);
    CHECK_EQ(n, UdpFrameLen(family, len));
    UdpView v;
    CHECK(ParseUdp(f, n, &v) == Verdict::kOk);
    CHECK_EQ(v.len, len);
    CHECK_EQ(v.sport, 9000); CHECK_EQ(v.dport, 40000);
    CHECK(v.src == Spec(family).src);
    CHECK(v.dst == Spec(family).dst);
    CHECK(memcmp(v.src_mac.b, Spec(family).src_mac.b, 6) == 0);
    bool same = true;
    for (uint32_t i = 0; i < len; i++) same &= v.payload[i] == uint8_t(0xab + i);
    CHECK(same);
    // Ethernet padding after the IP packet (minimum frame size) is accepted.
    uint8_t g[4096];
    memcpy(g, f, n);
    memset(g + n, 0, 64);
    CHECK(ParseUdp(g, n + 64, &v) == Verdict::kOk);
    CHECK_EQ(v.len, len);
  }
}

static void TestGather() {
  const uint8_t a[] = "hello ", b[] = "world";
  Slice sl[] = {{a, 6}, {b, 5}, {nullptr, 0}};
  uint8_t f[256];
  uint32_t n = BuildUdp(f, sizeof f, Spec(6), sl, 3);
  UdpView v;
  CHECK(ParseUdp(f, n, &v) == Verdict::kOk);
  CHECK_EQ(v.len, 11u);
  CHECK(memcmp(v.payload, "hello world", 11) == 0);
  // Does not fit -> 0, nothing promised.
  CHECK_EQ(BuildUdp(f, 60, Spec(6), sl, 3), 0u);
}

static void TestZeroChecksum() {
  uint8_t f[256];
  // IPv4: a zero UDP checksum means "none" and is accepted.
  uint32_t n = Build(f, 4, 10);
  f[14 + 20 + 6] = f[14 + 20 + 7] = 0;
  UdpView v;
  CHECK(ParseUdp(f, n, &v) == Verdict::kOk);
  // IPv6: mandatory, zero is malformed.
  n = Build(f, 6, 10);
  f[14 + 40 + 6] = f[14 + 40 + 7] = 0;
  CHECK(ParseUdp(f, n, &v) == Verdict::kBadChecksum);
}

static void TestMulticastMac() {
  Mac m = MulticastMac(V4(239, 129, 2, 3));
  const uint8_t e4[6] = {0x01, 0x00, 0x5e, 0x01, 0x02, 0x03};
  CHECK(memcmp(m.b, e4, 6) == 0);
  IpAddr g = V6(0x0101, 0xff02);
  g.b[12] = 0xaa;
  m = MulticastMac(g);
  const uint8_t e6[6] = {0x33, 0x33, 0xaa, 0x00, 0x01, 0x01};
  CHECK(memcmp(m.b, e6, 6) == 0);
  CHECK(V4(224, 0, 0, 1).IsMulticast());
  CHECK(!V4(10, 0, 0, 1).IsMulticast());
  CHECK(V4(1, 2, 3, 4).Mapped().IsV4Mapped());
  CHECK(V4(1, 2, 3, 4).Mapped().Unmapped() == V4(1, 2, 3, 4));
}

int main() {
  TestChecksumRfc1071();
  TestKnownIpv4Header();
  TestRoundTrip(4);
  TestRoundTrip(6);
  TestGather();
  TestZeroChecksum();
  TestMulticastMac();
  TEST_MAIN_END("packet_test");
}
