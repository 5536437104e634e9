// See netlink.h.
#include "netlink.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cstring>
#include <map>

namespace ringsock::xdp {

bool Neigh::Usable() const {
  return state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP);
}
bool Neigh::Confirmed() const { return state & (NUD_REACHABLE | NUD_PERMANENT | NUD_NOARP); }

Netlink::Netlink() {
  fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd_ < 0) return;
  // Answers come at once; the timeout only guards against a lost reply.
  timeval tv{0, 200000};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  if (bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
    close(fd_);
    fd_ = -1;
  }
}

Netlink::~Netlink() {
  if (fd_ >= 0) close(fd_);
}

int Netlink::Request(void* req, uint32_t len, uint16_t want_type, void* resp, uint32_t cap) {
  if (fd_ < 0) return -ENOTSUP;
  auto* h = static_cast<nlmsghdr*>(req);
  h->nlmsg_seq = ++seq_;
  sockaddr_nl to{};
  to.nl_family = AF_NETLINK;
  if (sendto(fd_, req, len, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0) return -errno;
  for (;;) {
    ssize_t n = recv(fd_, resp, cap, 0);
    if (n < 0) return errno == EAGAIN ? -ETIMEDOUT : -errno;
    for (auto* r = static_cast<nlmsghdr*>(resp); NLMSG_OK(r, uint32_t(n)); r = NLMSG_NEXT(r, n)) {
      if (r->nlmsg_seq != seq_) continue;   // a late answer to an earlier, timed out request
      if (r->nlmsg_type == NLMSG_ERROR) {
        int e = static_cast<nlmsgerr*>(NLMSG_DATA(r))->error;
        return e ? e : -ENOENT;
      }
      if (r->nlmsg_type == want_type) {
        memmove(resp, r, r->nlmsg_len);
        return 0;
      }
    }
  }
}

namespace {
void AddAttr(nlmsghdr* h, uint16_t type, const void* data, uint16_t len) {
  auto* a = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(h) + NLMSG_ALIGN(h->nlmsg_len));
  a->rta_type = type;
  a->rta_len = RTA_LENGTH(len);
  memcpy(RTA_DATA(a), data, len);
  h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
}
void ReadIp(const rtattr* a, uint8_t family, IpAddr* out) {
  size_t n = family == 4 ? 4 : 16;
  if (RTA_PAYLOAD(a) < n) return;
  out->family = family;
  memcpy(out->b, RTA_DATA(a), n);
}
}  // namespace

int Netlink::GetRoute(const IpAddr& dst, Route* out) {
  struct {
    nlmsghdr h;
    rtmsg r;
    char attrs[64];
  } req{};
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg));
  req.h.nlmsg_type = RTM_GETROUTE;
  req.h.nlmsg_flags = NLM_F_REQUEST;
  req.r.rtm_family = dst.family == 4 ? AF_INET : AF_INET6;
  req.r.rtm_dst_len = dst.family == 4 ? 32 : 128;
  AddAttr(&req.h, RTA_DST, dst.b, dst.family == 4 ? 4 : 16);
  alignas(nlmsghdr) char buf[4096];
  int err = Request(&req, req.h.nlmsg_len, RTM_NEWROUTE, buf, sizeof buf);
  if (err) return err;
  auto* h = reinterpret_cast<nlmsghdr*>(buf);
  auto* r = static_cast<rtmsg*>(NLMSG_DATA(h));
  *out = Route{};
  out->type = r->rtm_type;
  int len = int(RTM_PAYLOAD(h));
  for (auto* a = RTM_RTA(r); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    switch (a->rta_type) {
      case RTA_OIF: out->oif = *static_cast<int*>(RTA_DATA(a)); break;
      case RTA_GATEWAY: ReadIp(a, dst.family, &out->gateway); out->has_gateway = true; break;
      case RTA_PREFSRC: ReadIp(a, dst.family, &out->prefsrc); break;
    }
  }
  return 0;
}

int Netlink::GetNeigh(int ifindex, const IpAddr& ip, Neigh* out) {
  struct {
    nlmsghdr h;
    ndmsg n;
    char attrs[64];
  } req{};
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ndmsg));
  req.h.nlmsg_type = RTM_GETNEIGH;
  req.h.nlmsg_flags = NLM_F_REQUEST;
  req.n.ndm_family = ip.family == 4 ? AF_INET : AF_INET6;
  req.n.ndm_ifindex = ifindex;
  AddAttr(&req.h, NDA_DST, ip.b, ip.family == 4 ? 4 : 16);
  alignas(nlmsghdr) char buf[4096];
  *out = Neigh{};
  int err = Request(&req, req.h.nlmsg_len, RTM_NEWNEIGH, buf, sizeof buf);
  if (err == -ENOENT) return 0;
  if (err) return err;
  auto* h = reinterpret_cast<nlmsghdr*>(buf);
  auto* n = static_cast<ndmsg*>(NLMSG_DATA(h));
  out->state = n->ndm_state;
  bool has_mac = false;
  int len = int(h->nlmsg_len - NLMSG_LENGTH(sizeof(ndmsg)));
  for (auto* a = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(n) + NLMSG_ALIGN(sizeof(ndmsg)));
       RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6) {
      memcpy(out->mac.b, RTA_DATA(a), 6);
      has_mac = true;
    }
  }
  if (!has_mac && !(out->state & NUD_NOARP)) out->state = 0;
  return 0;
}

int Netlink::UseNeigh(int ifindex, const IpAddr& ip) {
  struct {
    nlmsghdr h;
    ndmsg n;
    char attrs[64];
  } req{};
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ndmsg));
  req.h.nlmsg_type = RTM_NEWNEIGH;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
  req.n.ndm_family = ip.family == 4 ? AF_INET : AF_INET6;
  req.n.ndm_ifindex = ifindex;
  req.n.ndm_state = NUD_PERMANENT;   // ignored with NTF_USE (as iproute2 sends it)
  req.n.ndm_flags = NTF_USE;
  AddAttr(&req.h, NDA_DST, ip.b, ip.family == 4 ? 4 : 16);
  alignas(nlmsghdr) char buf[1024];
  int err = Request(&req, req.h.nlmsg_len, NLMSG_ERROR, buf, sizeof buf);
  return err == -ENOENT ? 0 : err;   // the ACK (error 0) is reported as -ENOENT by Request
}

bool ParseIp(const std::string& s, IpAddr* out) {
  *out = IpAddr{};
  std::string host = s;
  size_t pct = host.find('%');   // fe80::1%eth0: the scope is not needed for matching
  if (pct != std::string::npos) host.resize(pct);
  if (inet_pton(AF_INET, host.c_str(), out->b) == 1) { out->family = 4; return true; }
  if (inet_pton(AF_INET6, host.c_str(), out->b) == 1) { out->family = 6; return true; }
  return false;
}

std::string FormatIp(const IpAddr& a) {
  char buf[INET6_ADDRSTRLEN];
  if (!inet_ntop(a.family == 4 ? AF_INET : AF_INET6, a.b, buf, sizeof buf)) return "";
  return buf;
}

std::vector<IfInfo> ListInterfaces() {
  std::map<std::string, IfInfo> by_name;
  ifaddrs* ifa = nullptr;
  if (getifaddrs(&ifa) < 0) return {};
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  for (ifaddrs* i = ifa; i; i = i->ifa_next) {
    IfInfo& info = by_name[i->ifa_name];
    if (info.name.empty()) {
      info.name = i->ifa_name;
      info.index = int(if_nametoindex(i->ifa_name));
      info.up = (i->ifa_flags & IFF_UP) && (i->ifa_flags & IFF_RUNNING);
      info.loopback = i->ifa_flags & IFF_LOOPBACK;
      ifreq r{};
      strncpy(r.ifr_name, i->ifa_name, IFNAMSIZ - 1);
      if (s >= 0 && ioctl(s, SIOCGIFHWADDR, &r) == 0) memcpy(info.mac.b, r.ifr_hwaddr.sa_data, 6);
      if (s >= 0 && ioctl(s, SIOCGIFMTU, &r) == 0) info.mtu = uint32_t(r.ifr_mtu);
    }
    if (!i->ifa_addr) continue;
    IpAddr a;
    if (i->ifa_addr->sa_family == AF_INET) {
      a.family = 4;
      memcpy(a.b, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
      info.addrs.push_back(a);
      // The subnet broadcast: the kernel adds a broadcast route for addr | ~mask (prefixes
      // shorter than /31) whether or not `brd` was configured, so derive it the same way.
      if ((i->ifa_flags & IFF_BROADCAST) && i->ifa_netmask) {
        uint32_t mask, addr;
        memcpy(&mask, &reinterpret_cast<sockaddr_in*>(i->ifa_netmask)->sin_addr, 4);
        memcpy(&addr, a.b, 4);
        if (__builtin_popcount(mask) < 31) {
          IpAddr b;
          b.family = 4;
          uint32_t bc = addr | ~mask;
          memcpy(b.b, &bc, 4);
          info.broadcasts.push_back(b);
        }
      }
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      a.family = 6;
      memcpy(a.b, &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
      info.addrs.push_back(a);
    }
  }
  if (s >= 0) close(s);
  freeifaddrs(ifa);
  std::vector<IfInfo> out;
  for (auto& kv : by_name) out.push_back(std::move(kv.second));
  return out;
}

uint32_t RxQueueCount(const std::string& ifname) {
  std::string dir = "/sys/class/net/" + ifname + "/queues";
  DIR* d = opendir(dir.c_str());
  if (!d) return 1;
  uint32_t n = 0;
  while (dirent* e = readdir(d)) {
    if (strncmp(e->d_name, "rx-", 3) == 0) n++;
  }
  closedir(d);
  return n ? n : 1;
}

}  // namespace ringsock::xdp
