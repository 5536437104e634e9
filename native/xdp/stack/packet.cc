// See packet.h. Every read is bounds-checked against the frame length before it happens:
// test/fault_test.cc feeds truncated and bit-flipped frames under ASan/UBSan.
#include "packet.h"
#include <cstring>

namespace ringsock::xdp::stack {

namespace {
inline uint16_t Rd16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
inline void Wr16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8); p[1] = uint8_t(v); }
const uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
}  // namespace

bool IpAddr::operator==(const IpAddr& o) const {
  return family == o.family && memcmp(b, o.b, family == 4 ? 4 : 16) == 0;
}
bool IpAddr::IsUnspecified() const {
  static const uint8_t z[16] = {};
  return memcmp(b, z, family == 4 ? 4 : 16) == 0;
}
bool IpAddr::IsMulticast() const {
  return family == 4 ? (b[0] & 0xf0) == 0xe0 : b[0] == 0xff;
}
bool IpAddr::IsV4Mapped() const {
  return family == 6 && memcmp(b, kMappedPrefix, 12) == 0;
}
IpAddr IpAddr::Unmapped() const {
  if (!IsV4Mapped()) return *this;
  IpAddr a;
  a.family = 4;
  memcpy(a.b, b + 12, 4);
  return a;
}
IpAddr IpAddr::Mapped() const {
  if (family != 4) return *this;
  IpAddr a;
  a.family = 6;
  memcpy(a.b, kMappedPrefix, 12);
  memcpy(a.b + 12, b, 4);
  return a;
}

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kOk: return "ok";
    case Verdict::kNotIp: return "not_ip";
    case Verdict::kNotUdp: return "not_udp";
    case Verdict::kTruncated: return "truncated";
    case Verdict::kBadLength: return "bad_length";
    case Verdict::kBadChecksum: return "bad_checksum";
    case Verdict::kFragment: return "fragment";
    case Verdict::kBadVersion: return "bad_version";
    case Verdict::kOptions: return "options";
    default: return "?";
  }
}

uint32_t CsumAdd(uint32_t sum, const uint8_t* p, size_t n) {
  // 16-bit big-endian words; a 64-bit accumulator would be faster, frames are small.
  uint64_t s = sum;
  size_t i = 0;
  for (; i + 1 < n; i += 2) s += uint32_t(p[i] << 8 | p[i + 1]);
  if (i < n) s += uint32_t(p[i] << 8);
  while (s >> 32) s = (s & 0xffffffffu) + (s >> 32);
  return uint32_t(s);
}

uint16_t CsumFold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}

uint32_t PseudoSum(const IpAddr& src, const IpAddr& dst, uint8_t proto, uint32_t len) {
  size_t alen = src.family == 4 ? 4 : 16;
  uint32_t s = CsumAdd(0, src.b, alen);
  s = CsumAdd(s, dst.b, alen);
  // IPv4: zero, proto, 16-bit length; IPv6: 32-bit length, 3 zero bytes, next header.
  // Both sum to proto + len in ones' complement arithmetic.
  uint64_t t = uint64_t(s) + proto + (len >> 16) + (len & 0xffff);
  while (t >> 32) t = (t & 0xffffffffu) + (t >> 32);
  return uint32_t(t);
}

Verdict ParseUdp(const uint8_t* f, uint32_t n, UdpView* out) {
  if (n < kEthHdr) return Verdict::kTruncated;
  memcpy(out->dst_mac.b, f, 6);
  memcpy(out->src_mac.b, f + 6, 6);
  uint16_t type = Rd16(f + 12);
  const uint8_t* ip = f + kEthHdr;
  uint32_t avail = n - kEthHdr;
  const uint8_t* udp;
  uint32_t l4len;   // bytes from the UDP header to the end of the IP packet
  if (type == kEthIp4) {
    if (avail < kIp4Hdr) return Verdict::kTruncated;
    if ((ip[0] >> 4) != 4) return Verdict::kBadVersion;
    uint32_t ihl = uint32_t(ip[0] & 0x0f) * 4;
    if (ihl < kIp4Hdr) return Verdict::kBadLength;
    if (avail < ihl) return Verdict::kTruncated;
    uint32_t total = Rd16(ip + 2);
    if (total < ihl) return Verdict::kBadLength;
    if (total > avail) return Verdict::kTruncated;
    if (CsumFold(CsumAdd(0, ip, ihl)) != 0) return Verdict::kBadChecksum;
    if (Rd16(ip + 6) & 0x3fff) return Verdict::kFragment;
    if (ip[9] != kProtoUdp) return Verdict::kNotUdp;
    if (ihl != kIp4Hdr) return Verdict::kOptions;
    out->src.family = out->dst.family = 4;
    memcpy(out->src.b, ip + 12, 4);
    memcpy(out->dst.b, ip + 16, 4);
    out->ttl = ip[8];
    udp = ip + ihl;
    l4len = total - ihl;
  } else if (type == kEthIp6) {
    if (avail < kIp6Hdr) return Verdict::kTruncated;
    if ((ip[0] >> 4) != 6) return Verdict::kBadVersion;
    uint32_t plen = Rd16(ip + 4);
    if (plen == 0) return Verdict::kBadLength;   // jumbogram (hop-by-hop option): unsupported
    if (plen > avail - kIp6Hdr) return Verdict::kTruncated;
    uint8_t nh = ip[6];
    if (nh == 44) return Verdict::kFragment;
    if (nh == 0 || nh == 43 || nh == 60 || nh == 51 || nh == 135) return Verdict::kOptions;
    if (nh != kProtoUdp) return Verdict::kNotUdp;
    out->src.family = out->dst.family = 6;
    memcpy(out->src.b, ip + 8, 16);
    memcpy(out->dst.b, ip + 24, 16);
    out->ttl = ip[7];
    udp = ip + kIp6Hdr;
    l4len = plen;
  } else {
    return Verdict::kNotIp;
  }
  if (l4len < kUdpHdr) return Verdict::kBadLength;   // IP length leaves no room for UDP
  uint32_t ulen = Rd16(udp + 4);
  // As udp_rcv / udpv6_rcv: a UDP length below the IP payload trims the datagram (bytes after
  // it are ignored, the checksum covers ulen), and over IPv6 a length of 0 means "the IP
  // payload" (the jumbogram rule, applied by Linux to any size).
  if (ulen == 0 && out->src.family == 6) ulen = l4len;
  if (ulen < kUdpHdr || ulen > l4len) return Verdict::kBadLength;
  uint16_t csum = Rd16(udp + 6);
  if (csum != 0 || out->src.family == 6) {
    if (csum == 0) return Verdict::kBadChecksum;   // RFC 8200 8.1: mandatory over IPv6
    uint32_t s = PseudoSum(out->src, out->dst, kProtoUdp, ulen);
    if (CsumFold(CsumAdd(s, udp, ulen)) != 0) return Verdict::kBadChecksum;
  }
  out->sport = Rd16(udp);
  out->dport = Rd16(udp + 2);
  out->payload = udp + kUdpHdr;
  out->len = ulen - kUdpHdr;
  return Verdict::kOk;
}

uint32_t UdpFrameLen(uint8_t family, uint32_t payload) {
  return kEthHdr + (family == 4 ? kIp4Hdr : kIp6Hdr) + kUdpHdr + payload;
}

uint32_t BuildUdp(uint8_t* buf, uint32_t cap, const UdpSpec& s, const Slice* chunks, size_t n) {
  uint32_t payload = 0;
  for (size_t i = 0; i < n; i++) payload += chunks[i].n;
  uint32_t iphdr = s.src.family == 4 ? kIp4Hdr : kIp6Hdr;
  uint32_t ulen = kUdpHdr + payload;
  if (ulen > 65535 || (s.src.family == 4 && ulen + kIp4Hdr > 65535)) return 0;
  uint32_t flen = kEthHdr + iphdr + ulen;
  if (flen > cap || s.src.family != s.dst.family) return 0;

  memcpy(buf, s.dst_mac.b, 6);
  memcpy(buf + 6, s.src_mac.b, 6);
  uint8_t* ip = buf + kEthHdr;
  if (s.src.family == 4) {
    Wr16(buf + 12, kEthIp4);
    ip[0] = 0x45;
    ip[1] = s.tos;
    Wr16(ip + 2, uint16_t(kIp4Hdr + ulen));
    Wr16(ip + 4, s.ip_id);
    Wr16(ip + 6, 0x4000);   // DF, as Linux sends UDP with path MTU discovery on
    ip[8] = s.ttl;
    ip[9] = kProtoUdp;
    Wr16(ip + 10, 0);
    memcpy(ip + 12, s.src.b, 4);
    memcpy(ip + 16, s.dst.b, 4);
    Wr16(ip + 10, CsumFold(CsumAdd(0, ip, kIp4Hdr)));
  } else {
    Wr16(buf + 12, kEthIp6);
    ip[0] = uint8_t(0x60 | (s.tos >> 4));
    ip[1] = uint8_t(s.tos << 4);
    ip[2] = ip[3] = 0;
    Wr16(ip + 4, uint16_t(ulen));
    ip[6] = kProtoUdp;
    ip[7] = s.ttl;
    memcpy(ip + 8, s.src.b, 16);
    memcpy(ip + 24, s.dst.b, 16);
  }
  uint8_t* udp = ip + iphdr;
  Wr16(udp, s.sport);
  Wr16(udp + 2, s.dport);
  Wr16(udp + 4, uint16_t(ulen));
  Wr16(udp + 6, 0);
  uint8_t* p = udp + kUdpHdr;
  for (size_t i = 0; i < n; i++) {
    if (chunks[i].n) memcpy(p, chunks[i].p, chunks[i].n);
    p += chunks[i].n;
  }
  uint16_t c = CsumFold(CsumAdd(PseudoSum(s.src, s.dst, kProtoUdp, ulen), udp, ulen));
  Wr16(udp + 6, c == 0 ? 0xffff : c);   // RFC 768: a computed zero is sent as all ones
  return flen;
}

Mac MulticastMac(const IpAddr& g) {
  Mac m{};
  if (g.family == 4) {
    m.b[0] = 0x01; m.b[1] = 0x00; m.b[2] = 0x5e;
    m.b[3] = g.b[1] & 0x7f; m.b[4] = g.b[2]; m.b[5] = g.b[3];
  } else {
    m.b[0] = 0x33; m.b[1] = 0x33;
    memcpy(m.b + 2, g.b + 12, 4);
  }
  return m;
}

}  // namespace ringsock::xdp::stack
