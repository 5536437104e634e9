// Ethernet / IPv4 / IPv6 / UDP parse and build, with software checksums.
// Pure code: no syscalls, no N-API, no allocation, so it is tested alone (test/, `make test`)
// and a TCP stack can reuse it. Read RFC 791 (IPv4), RFC 8200 (IPv6), RFC 768 (UDP),
// RFC 1071 (checksum), RFC 1112 / RFC 2464 (multicast MAC mapping) first.
#pragma once
#include <cstddef>
#include <cstdint>

namespace ringsock::xdp::stack {

constexpr uint32_t kEthHdr = 14, kIp4Hdr = 20, kIp6Hdr = 40, kUdpHdr = 8;
constexpr uint16_t kEthIp4 = 0x0800, kEthIp6 = 0x86dd;
constexpr uint8_t kProtoUdp = 17, kProtoTcp = 6;

struct Mac { uint8_t b[6]; };

// An IP address in network byte order: IPv4 in b[0..3] (family 4), IPv6 in b[0..15] (family 6).
struct IpAddr {
  uint8_t family = 0;
  uint8_t b[16] = {};
  bool operator==(const IpAddr& o) const;
  bool IsUnspecified() const;   // 0.0.0.0 or ::
  bool IsMulticast() const;     // 224/4 or ff00::/8
  bool IsV4Mapped() const;      // ::ffff:a.b.c.d
  IpAddr Unmapped() const;      // ::ffff:a.b.c.d -> a.b.c.d, others unchanged
  IpAddr Mapped() const;        // a.b.c.d -> ::ffff:a.b.c.d, others unchanged
};

// Why a frame was not delivered. Everything but kOk and kNotUdp counts as malformed.
enum class Verdict : uint8_t {
  kOk = 0,
  kNotIp,        // ethertype is neither IPv4 nor IPv6 (ARP ...): not ours
  kNotUdp,       // IP but another protocol: not ours
  kTruncated,    // the frame ends inside a header or before the IP length says
  kBadLength,    // IP/UDP length fields contradict each other
  kBadChecksum,  // IPv4 header or UDP checksum wrong, or IPv6 UDP checksum zero
  kFragment,     // IP fragment (the kernel reassembles those)
  kBadVersion,   // IP version nibble does not match the ethertype
  kOptions,      // IPv4 options / IPv6 extension headers (the kernel path handles those)
  kCount
};
const char* VerdictName(Verdict v);

struct UdpView {
  Mac src_mac, dst_mac;
  IpAddr src, dst;
  uint16_t sport = 0, dport = 0;   // host byte order
  uint8_t ttl = 0;
  const uint8_t* payload = nullptr;
  uint32_t len = 0;                // payload bytes
};

// Parses and validates one Ethernet frame (no FCS). Trailing padding beyond the IP length is
// allowed (minimum-size Ethernet frames). Checksums are verified in software.
Verdict ParseUdp(const uint8_t* frame, uint32_t frame_len, UdpView* out);

struct Slice { const uint8_t* p; uint32_t n; };

struct UdpSpec {
  Mac src_mac, dst_mac;
  IpAddr src, dst;           // same family
  uint16_t sport = 0, dport = 0;
  uint8_t ttl = 64;          // IPv4 TTL / IPv6 hop limit
  uint8_t tos = 0;           // IPv4 TOS / IPv6 traffic class
  uint16_t ip_id = 0;        // IPv4 identification
};

// Writes Ethernet + IP + UDP headers and the gathered payload into buf (capacity cap), with
// the IPv4 header checksum and the UDP checksum computed in software.
// Returns the frame length, or 0 when it does not fit in cap or exceeds 65535 bytes of IP.
uint32_t BuildUdp(uint8_t* buf, uint32_t cap, const UdpSpec& spec, const Slice* chunks, size_t n);

// Sum of payload bytes, the header bytes and the frame: what BuildUdp would return.
uint32_t UdpFrameLen(uint8_t family, uint32_t payload);

// RFC 1071 ones' complement sum helpers.
uint32_t CsumAdd(uint32_t sum, const uint8_t* p, size_t n);
uint16_t CsumFold(uint32_t sum);
// IPv4/IPv6 pseudo header sum for an L4 protocol and length (host order).
uint32_t PseudoSum(const IpAddr& src, const IpAddr& dst, uint8_t proto, uint32_t len);

// Multicast group -> Ethernet destination (01:00:5e + low 23 bits / 33:33 + low 32 bits).
Mac MulticastMac(const IpAddr& group);
constexpr Mac kBroadcastMac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

}  // namespace ringsock::xdp::stack
