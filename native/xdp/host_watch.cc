// See host_watch.h.
#include "host_watch.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ringsock::xdp {

HostWatch::HostWatch() {
  fd_ = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd_ < 0) return;
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | (1u << (RTNLGRP_IPV4_NETCONF - 1)) |
                 (1u << (RTNLGRP_IPV6_NETCONF - 1));
  if (bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd_);
    fd_ = -1;
  }
}

HostWatch::~HostWatch() {
  if (fd_ >= 0) close(fd_);
}

bool HostWatch::Changed() {
  if (fd_ < 0) return false;
  bool changed = false;
  alignas(nlmsghdr) char buf[8192];
  for (;;) {
    ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) { changed = true; continue; }
    if (n < 0 && errno == ENOBUFS) { changed = true; continue; }   // overflowed: something changed
    if (n < 0 && errno == EINTR) continue;
    return changed;
  }
}

}  // namespace ringsock::xdp
