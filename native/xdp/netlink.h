// Route and neighbour lookups over rtnetlink (RTM_GETROUTE / RTM_GETNEIGH), and interface
// facts (MAC, MTU, addresses, rx queues). The kernel stays the owner of ARP/ND and routes
// (DESIGN.md decision 6): ringsock only reads its tables. Read rtnetlink(7), netlink(7).
#pragma once
#include <cstdint>
#include <string>
#include <vector>
#include "stack/packet.h"

namespace ringsock::xdp {

using stack::IpAddr;
using stack::Mac;

struct Route {
  int oif = 0;
  uint8_t type = 0;        // RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST, RTN_MULTICAST ...
  bool has_gateway = false;
  IpAddr gateway;          // next hop when has_gateway
  IpAddr prefsrc;          // family 0 when the kernel gave none
};

struct Neigh {
  uint16_t state = 0;      // NUD_* (0: no entry)
  Mac mac{};
  // The MAC can be used as is; otherwise let the kernel send (it resolves or re-confirms).
  bool Usable() const;
  bool Confirmed() const;  // REACHABLE, PERMANENT, NOARP
};

class Netlink {
 public:
  Netlink();
  ~Netlink();
  bool ok() const { return fd_ >= 0; }
  // 0 or -errno (-ENETUNREACH, -EHOSTUNREACH ...).
  int GetRoute(const IpAddr& dst, Route* out);
  // 0 (out->state 0 when there is no entry) or -errno.
  int GetNeigh(int ifindex, const IpAddr& ip, Neigh* out);
  // RTM_NEWNEIGH with NTF_USE: what a transmitted packet does to the entry (`ip neigh replace
  // IP dev DEV use`): a STALE entry goes DELAY -> PROBE -> REACHABLE, a missing one is resolved.
  int UseNeigh(int ifindex, const IpAddr& ip);

 private:
  int Request(void* req, uint32_t len, uint16_t want_type, void* resp, uint32_t cap);
  int fd_ = -1;
  uint32_t seq_ = 1;
};

struct IfInfo {
  std::string name;
  int index = 0;
  Mac mac{};
  uint32_t mtu = 1500;
  bool up = false, loopback = false;
  std::vector<IpAddr> addrs;
  std::vector<IpAddr> broadcasts;   // IPv4 subnet broadcasts
};

// Every interface of this network namespace (getifaddrs + SIOCGIFHWADDR/SIOCGIFMTU).
std::vector<IfInfo> ListInterfaces();
// Number of rx queues (/sys/class/net/IF/queues/rx-*), at least 1.
uint32_t RxQueueCount(const std::string& ifname);
bool ParseIp(const std::string& s, IpAddr* out);
std::string FormatIp(const IpAddr& a);

}  // namespace ringsock::xdp
