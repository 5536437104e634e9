// See rx_facts.h.
#include "rx_facts.h"

#include <linux/rtnetlink.h>
#include <cstdio>
#include <cstring>

namespace ringsock::xdp {

GroupKey KeyOf(const IpAddr& a) {
  GroupKey k{};
  k[0] = a.family;
  memcpy(k.data() + 1, a.b, 16);
  return k;
}

void HostAddrs::Load(const std::vector<IfInfo>& all) {
  addrs.clear();
  broadcasts.clear();
  for (auto& i : all) {
    addrs.insert(addrs.end(), i.addrs.begin(), i.addrs.end());
    broadcasts.insert(broadcasts.end(), i.broadcasts.begin(), i.broadcasts.end());
  }
}

namespace {
// A sysctl under /proc/sys/net (the reader's namespace); -1 when it cannot be read.
int ReadSysctl(const std::string& path) {
  FILE* f = fopen(("/proc/sys/net/" + path).c_str(), "r");
  if (!f) return -1;
  int v = -1;
  if (fscanf(f, "%d", &v) != 1) v = -1;
  fclose(f);
  return v;
}
bool Contains(const std::vector<IpAddr>& v, const IpAddr& a) {
  for (auto& x : v)
    if (x == a) return true;
  return false;
}
}  // namespace

void DeviceFacts::Reload() {
  auto all = [](const char* name) { return ReadSysctl(std::string("ipv4/conf/all/") + name); };
  auto dev = [&](const char* name) { return ReadSysctl("ipv4/conf/" + dev_->name + "/" + name); };
  // The kernel's IN_DEV_MAXCONF (rp_filter) and IN_DEV_ORCONF (the others).
  conf4_.rp_filter = std::max(all("rp_filter"), dev("rp_filter"));
  if (conf4_.rp_filter < 0) conf4_.rp_filter = 0;
  conf4_.accept_local = all("accept_local") > 0 || dev("accept_local") > 0;
  conf4_.route_localnet = all("route_localnet") > 0 || dev("route_localnet") > 0;
  conf4_.drop_unicast_in_l2_multicast =
      all("drop_unicast_in_l2_multicast") > 0 || dev("drop_unicast_in_l2_multicast") > 0;
  conf6_ = stack::RxConf{};
  conf6_.drop_unicast_in_l2_multicast =
      ReadSysctl("ipv6/conf/" + dev_->name + "/drop_unicast_in_l2_multicast") > 0;
  routes_.clear();
}

bool DeviceFacts::IsOwnAddress(const IpAddr& a) { return Contains(host_->addrs, a); }

bool DeviceFacts::IsSubnetBroadcast(const IpAddr& a) { return Contains(host_->broadcasts, a); }

bool DeviceFacts::IsJoined(const IpAddr& g) {
  if (groups_->count(KeyOf(g))) return true;
  if (g.family != 6) return false;
  for (auto& a : dev_->addrs)
    if (a.family == 6 && stack::SolicitedNode(a) == g) return true;
  return false;
}

stack::RouteBack DeviceFacts::RouteTo(const IpAddr& src) {
  std::string key(reinterpret_cast<const char*>(src.b), src.family == 4 ? 4 : 16);
  auto it = routes_.find(key);
  if (it != routes_.end()) return it->second;
  Route r;
  stack::RouteBack back;
  if (nl_->GetRoute(src, &r) != 0) back = stack::RouteBack::kNone;
  else if (r.type == RTN_LOCAL) back = stack::RouteBack::kLocal;
  else if (r.type != RTN_UNICAST) back = stack::RouteBack::kNone;
  else back = r.oif == dev_->index ? stack::RouteBack::kThisInterface : stack::RouteBack::kOtherInterface;
  if (routes_.size() >= kMaxRoutes) routes_.clear();
  routes_.emplace(std::move(key), back);
  return back;
}

}  // namespace ringsock::xdp
