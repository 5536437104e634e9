// Writes the fuzz corpus's seed frames (`make fuzz-seeds`): valid IPv4 / IPv6 unicast,
// multicast and broadcast datagrams, each behind the 2 configuration bytes frame_fuzz reads.
#include <cstdio>
#include <string>
#include "../packet.h"

using namespace ringsock::xdp::stack;

static IpAddr Ip(uint8_t family, std::initializer_list<uint8_t> bytes) {
  IpAddr a;
  a.family = family;
  size_t i = 0;
  for (uint8_t b : bytes) a.b[i++] = b;
  return a;
}

static void Write(const std::string& dir, const char* name, const UdpSpec& s, uint8_t conf, uint8_t knobs) {
  uint8_t buf[2 + 256];
  const uint8_t payload[] = "seed payload";
  Slice sl{payload, sizeof payload - 1};
  uint32_t n = BuildUdp(buf + 2, sizeof buf - 2, s, &sl, 1);
  buf[0] = conf;
  buf[1] = knobs;
  FILE* f = fopen((dir + "/" + name).c_str(), "wb");
  if (!f || fwrite(buf, 1, n + 2, f) != n + 2) { perror(name); return; }
  fclose(f);
}

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "corpus";
  UdpSpec s;
  s.src_mac = Mac{{2, 0, 0, 0, 0, 1}};
  s.dst_mac = Mac{{2, 0, 0, 0, 0, 2}};
  s.sport = 40000;
  s.dport = 9000;
  s.src = Ip(4, {10, 99, 5, 1});
  s.dst = Ip(4, {10, 99, 5, 2});
  Write(dir, "ipv4-unicast", s, 0, 0);
  Write(dir, "ipv4-unicast-rp-strict", s, 1, 4);
  s.dst = Ip(4, {239, 1, 1, 1});
  s.dst_mac = MulticastMac(s.dst);
  Write(dir, "ipv4-multicast", s, 0, 2);
  s.dst = Ip(4, {255, 255, 255, 255});
  s.dst_mac = kBroadcastMac;
  Write(dir, "ipv4-broadcast", s, 0, 0);
  s.src = Ip(6, {0xfd, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 1});
  s.dst = Ip(6, {0xfd, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 2});
  s.dst_mac = Mac{{2, 0, 0, 0, 0, 2}};
  Write(dir, "ipv6-unicast", s, 0, 0);
  s.dst = Ip(6, {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  s.dst_mac = MulticastMac(s.dst);
  Write(dir, "ipv6-all-nodes", s, 0, 0);
  return 0;
}
