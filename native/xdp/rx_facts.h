// The host's answers to stack::Admit for one bypassed interface: the namespace's addresses and
// broadcasts, the interface's acceptance sysctls, the groups joined on it, and where the
// kernel's route back to a source leads (rp_filter). Read from the kernel and kept for at most
// a second, so the frame path makes no syscall but for the once-a-second refresh and one route
// lookup per new source while rp_filter is on.
#pragma once
#include <array>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>
#include "netlink.h"
#include "stack/admit.h"

namespace ringsock::xdp {

using GroupKey = std::array<uint8_t, 17>;
GroupKey KeyOf(const IpAddr& a);

// What every interface of the namespace holds: shared by the devices' facts.
struct HostAddrs {
  std::vector<IpAddr> addrs, broadcasts;
  void Load(const std::vector<IfInfo>& all);
};

class DeviceFacts : public stack::RxFacts {
 public:
  DeviceFacts(const HostAddrs* host, const IfInfo* dev, const std::map<GroupKey, int>* groups, Netlink* nl)
      : host_(host), dev_(dev), groups_(groups), nl_(nl) {}
  // Re-reads net.ipv4.conf.{all,IF}.* (rp_filter, accept_local ...) and forgets cached routes.
  void Reload();
  const stack::RxConf& conf4() const { return conf4_; }
  const stack::RxConf& conf6() const { return conf6_; }

  bool IsOwnAddress(const IpAddr& a) override;
  bool IsSubnetBroadcast(const IpAddr& a) override;
  bool IsJoined(const IpAddr& group) override;
  stack::RouteBack RouteTo(const IpAddr& src) override;

 private:
  const HostAddrs* host_;
  const IfInfo* dev_;
  const std::map<GroupKey, int>* groups_;
  Netlink* nl_;
  stack::RxConf conf4_, conf6_;
  // Route answers by source; cleared on Reload and when it grows past kMaxRoutes (sources
  // spoofed at random must not grow it without bound).
  static constexpr size_t kMaxRoutes = 4096;
  std::unordered_map<std::string, stack::RouteBack> routes_;
};

}  // namespace ringsock::xdp
