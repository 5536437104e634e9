// Frames used by the tests, built with the code under test and by hand.
#pragma once
#include <cstring>
#include <initializer_list>
#include "../packet.h"

namespace t {
using namespace ringsock::xdp::stack;

inline IpAddr V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddr x; x.family = 4; x.b[0] = a; x.b[1] = b; x.b[2] = c; x.b[3] = d; return x;
}
inline IpAddr V6(uint16_t last, uint16_t group = 0xfd99) {
  IpAddr x; x.family = 6; x.b[0] = uint8_t(group >> 8); x.b[1] = uint8_t(group);
  x.b[14] = uint8_t(last >> 8); x.b[15] = uint8_t(last); return x;
}
inline UdpSpec Spec(uint8_t family) {
  UdpSpec s;
  s.src_mac = Mac{{2, 0, 0, 0, 0, 1}};
  s.dst_mac = Mac{{2, 0, 0, 0, 0, 2}};
  s.src = family == 4 ? V4(10, 99, 5, 1) : V6(1);
  s.dst = family == 4 ? V4(10, 99, 5, 2) : V6(2);
  s.sport = 9000; s.dport = 40000; s.ip_id = 7;
  return s;
}
inline uint32_t Build(uint8_t* buf, uint8_t family, uint32_t payload_len, uint8_t fill = 0xab) {
  uint8_t payload[2048];
  for (uint32_t i = 0; i < payload_len; i++) payload[i] = uint8_t(fill + i);
  Slice sl{payload, payload_len};
  return BuildUdp(buf, 4096, Spec(family), &sl, 1);
}
}  // namespace t
