// Socket addresses between JS strings and sockaddr_storage, with libuv's parsing rules
// (uv_ip4_addr / uv_ip6_addr: IPv6 scope given as "%ifname", numeric index also accepted).
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>
#include <string>

namespace ringsock {

// Parses `ip` as an address of `family` (AF_INET/AF_INET6; AF_UNSPEC tries both).
// Returns 0 or -EINVAL (UV_EINVAL, as libuv does for a bad literal).
int ParseAddr(int family, const std::string& ip, int port, sockaddr_storage* out, socklen_t* len);

// Family of a literal: AF_INET6 if it contains ':', else AF_INET.
inline int FamilyOf(const std::string& ip) {
  return ip.find(':') != std::string::npos ? AF_INET6 : AF_INET;
}

// "1.2.3.4" / "fe80::1%eth0" (scope as interface name, like Node) and the port.
std::string FormatIp(const sockaddr* sa, int* port);

}  // namespace ringsock
