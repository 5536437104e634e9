// Fault injection: malformed frames of every kind the wire can bring are refused with the
// right verdict, and no input (every truncation, every single-byte corruption) reads out of
// bounds (built with -fsanitize=address,undefined by the Makefile).
#include <cstdlib>
#include <vector>
#include "check.h"
#include "frames.h"

using namespace t;

static void Fix4(uint8_t* f) {   // recompute the IPv4 header checksum after an edit
  f[24] = f[25] = 0;
  uint16_t c = CsumFold(CsumAdd(0, f + 14, 20));
  f[24] = uint8_t(c >> 8); f[25] = uint8_t(c);
}

// Recomputes the UDP checksum over `len` bytes from the UDP header (the length the kernel uses).
static void FixUdp(uint8_t* f, uint8_t family, uint32_t len) {
  uint8_t* ip = f + 14;
  uint8_t* udp = ip + (family == 4 ? 20 : 40);
  IpAddr src, dst;
  src.family = dst.family = family;
  memcpy(src.b, ip + (family == 4 ? 12 : 8), family == 4 ? 4 : 16);
  memcpy(dst.b, ip + (family == 4 ? 16 : 24), family == 4 ? 4 : 16);
  udp[6] = udp[7] = 0;
  uint16_t c = CsumFold(CsumAdd(PseudoSum(src, dst, kProtoUdp, len), udp, len));
  if (c == 0) c = 0xffff;
  udp[6] = uint8_t(c >> 8); udp[7] = uint8_t(c);
}

// Parses a heap copy of exactly n bytes so ASan catches any read past the frame.
static Verdict ParseExact(const uint8_t* f, uint32_t n) {
  std::vector<uint8_t> copy(f, f + n);
  UdpView v;
  return ParseUdp(copy.data(), n, &v);
}

static void TestEveryTruncation(uint8_t family) {
  uint8_t f[4096];
  uint32_t n = Build(f, family, 32);
  for (uint32_t cut = 0; cut < n; cut++) {
    Verdict v = ParseExact(f, cut);
    CHECK(v == Verdict::kTruncated);
    if (v != Verdict::kTruncated) fprintf(stderr, "  family %u cut %u -> %s\n", family, cut, VerdictName(v));
  }
  CHECK(ParseExact(f, n) == Verdict::kOk);
}

static void TestEveryByteFlip(uint8_t family) {
  uint8_t f[4096];
  uint32_t n = Build(f, family, 40);
  int undetected = 0;
  for (uint32_t i = 0; i < n; i++) {
    for (uint8_t x : {0x01, 0x80, 0xff}) {
      uint8_t g[4096];
      memcpy(g, f, n);
      g[i] ^= x;
      Verdict v = ParseExact(g, n);
      // MAC addresses are not covered by any checksum (the FCS is gone): still valid.
      if (i < 12) { CHECK(v == Verdict::kOk); continue; }
      // IPv6 traffic class / flow label / hop limit are not covered either.
      if (family == 6 && i >= 14 && i < 14 + 8 && i != 14 + 4 && i != 14 + 5 && i != 14 + 6 &&
          !(i == 14 && (x & 0xf0))) {
        continue;
      }
      if (v == Verdict::kOk) { undetected++; fprintf(stderr, "  family %u byte %u ^%02x undetected\n", family, i, x); }
    }
  }
  CHECK_EQ(undetected, 0);
}

static void TestRandomGarbage() {
  // Random frames of random length: must never crash or be accepted with nonsense lengths.
  srand(12345);
  for (int k = 0; k < 200000; k++) {
    uint32_t n = uint32_t(rand() % 120);
    std::vector<uint8_t> g(n);
    for (auto& b : g) b = uint8_t(rand());
    if (n > 14 && (k & 1)) { g[12] = 0x08; g[13] = 0x00; g[14] = 0x45; }
    if (n > 14 && (k & 2)) { g[12] = 0x86; g[13] = 0xdd; g[14] = 0x60; }
    UdpView v;
    if (ParseUdp(g.data(), n, &v) == Verdict::kOk) CHECK(v.payload + v.len <= g.data() + n);
  }
}

static void TestNamedMalformations() {
  uint8_t f[4096];
  uint32_t n;
  UdpView v;

  // Wrong IP version under an IPv4 / IPv6 ethertype.
  n = Build(f, 4, 16); f[14] = 0x65; Fix4(f);
  CHECK(ParseUdp(f, n, &v) == Verdict::kBadVersion);
  n = Build(f, 6, 16); f[14] = 0x40 | (f[14] & 0x0f);
  CHECK(ParseUdp(f, n, &v) == Verdict::kBadVersion);

  // IPv4 fragments: more-fragments bit, and a non-zero offset.
  n = Build(f, 4, 16); f[20] = 0x20; f[21] = 0; Fix4(f);
  CHECK(ParseUdp(f, n, &v) == Verdict::kFragment);
  n = Build(f, 4, 16); f[20] = 0x00; f[21] = 0x10; Fix4(f);
  CHECK(ParseUdp(f, n, &v) == Verdict::kFragment);
  // IPv6 fragment header.
  n = Build(f, 6, 16); f[14 + 6] = 44;
  CHECK(ParseUdp(f, n, &v) == Verdict::kFragment);

  // IPv4 total length larger than the frame (truncated), smaller than IP+UDP (bad length).
  n = Build(f, 4, 16); f[16] = 0x05; f[17] = 0xdc; Fix4(f);
  CHECK(ParseUdp(f, n, &v) == Verdict::kTruncated);
  n = Build(f, 4, 16); f[16] = 0; f[17] = 24; Fix4(f);
  CHECK(ParseUdp(f, n, &v) == Verdict::kBadLength);
  // IHL below 5.
  n = Build(f, 4, 16); f[14] = 0x44; Fix4(f);
  CHECK(ParseUdp(f, n, &v) == Verdict::kBadLength);
  // IPv4 options go to the kernel.
  n = Build(f, 4, 16); f[14] = 0x46; Fix4(f);
  CHECK(ParseUdp(f, n, &v) == Verdict::kBadChecksum || ParseUdp(f, n, &v) == Verdict::kOptions);

  // UDP length field: below 8, above the IP payload, below the IP payload.
  for (uint8_t fam : {4, 6}) {
    uint32_t u = 14 + (fam == 4 ? 20 : 40);
    n = Build(f, fam, 16); f[u + 4] = 0; f[u + 5] = 7;
    CHECK(ParseUdp(f, n, &v) == Verdict::kBadLength);
    n = Build(f, fam, 16); f[u + 4] = 0; f[u + 5] = 25;
    CHECK(ParseUdp(f, n, &v) == Verdict::kBadLength);
    // Below the IP payload: trimmed as the kernel does, so the checksum over 24 bytes fails,
    // and one over the 23 the length says passes (15 payload bytes delivered).
    n = Build(f, fam, 16); f[u + 4] = 0; f[u + 5] = 23;
    CHECK(ParseUdp(f, n, &v) == Verdict::kBadChecksum);
    FixUdp(f, fam, 23);
    CHECK(ParseUdp(f, n, &v) == Verdict::kOk);
    CHECK_EQ(v.len, 15u);
    // Bad UDP checksum.
    n = Build(f, fam, 16); f[u + 6] ^= 0x5a;
    CHECK(ParseUdp(f, n, &v) == Verdict::kBadChecksum);
    // Payload corruption is caught by the UDP checksum.
    n = Build(f, fam, 16); f[n - 1] ^= 1;
    CHECK(ParseUdp(f, n, &v) == Verdict::kBadChecksum);
  }
  // Bad IPv4 header checksum.
  n = Build(f, 4, 16); f[24] ^= 0x10;
  CHECK(ParseUdp(f, n, &v) == Verdict::kBadChecksum);
  // IPv6 UDP length 0: the IP payload length counts (udpv6_rcv); over IPv4 it is too short.
  n = Build(f, 6, 16); f[14 + 40 + 4] = f[14 + 40 + 5] = 0; FixUdp(f, 6, 24);
  CHECK(ParseUdp(f, n, &v) == Verdict::kOk);
  CHECK_EQ(v.len, 16u);
  n = Build(f, 4, 16); f[14 + 20 + 4] = f[14 + 20 + 5] = 0;
  CHECK(ParseUdp(f, n, &v) == Verdict::kBadLength);
  // IPv6 payload length zero (jumbogram) and larger than the frame.
  n = Build(f, 6, 16); f[18] = f[19] = 0;
  CHECK(ParseUdp(f, n, &v) == Verdict::kBadLength);
  n = Build(f, 6, 16); f[18] = 0x10;
  CHECK(ParseUdp(f, n, &v) == Verdict::kTruncated);

  // Not ours: ARP, ICMP.
  n = Build(f, 4, 16); f[12] = 0x08; f[13] = 0x06;
  CHECK(ParseUdp(f, n, &v) == Verdict::kNotIp);
  n = Build(f, 4, 16); f[23] = 1; Fix4(f);
  CHECK(ParseUdp(f, n, &v) == Verdict::kNotUdp);
}

int main() {
  TestEveryTruncation(4);
  TestEveryTruncation(6);
  TestEveryByteFlip(4);
  TestEveryByteFlip(6);
  TestNamedMalformations();
  TestRandomGarbage();
  TEST_MAIN_END("fault_test");
}
