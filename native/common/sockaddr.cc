#include "common/sockaddr.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace ringsock {

// libuv's uv_ip6_addr: an unknown interface name is scope 0 (no error); a number is taken as
// an index here as well.
static int ParseScope(const std::string& zone, uint32_t* scope) {
  unsigned idx = if_nametoindex(zone.c_str());
  if (idx == 0) {
    char* end = nullptr;
    unsigned long n = strtoul(zone.c_str(), &end, 10);
    if (!zone.empty() && *end == '\0') idx = static_cast<unsigned>(n);
  }
  *scope = idx;
  return 0;
}

int ParseAddr(int family, const std::string& ip, int port, sockaddr_storage* out, socklen_t* len) {
  memset(out, 0, sizeof *out);
  if (family == AF_UNSPEC) family = FamilyOf(ip);
  if (family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(out);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, ip.c_str(), &a->sin_addr) != 1) return -EINVAL;
    *len = sizeof *a;
    return 0;
  }
  auto* a = reinterpret_cast<sockaddr_in6*>(out);
  a->sin6_family = AF_INET6;
  a->sin6_port = htons(static_cast<uint16_t>(port));
  std::string host = ip;
  size_t pct = ip.find('%');
  if (pct != std::string::npos) {
    host = ip.substr(0, pct);
    uint32_t scope = 0;
    if (ParseScope(ip.substr(pct + 1), &scope)) return -EINVAL;
    a->sin6_scope_id = scope;
  }
  if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1) return -EINVAL;
  *len = sizeof *a;
  return 0;
}

std::string FormatIp(const sockaddr* sa, int* port) {
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = "";
  if (sa->sa_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
    *port = ntohs(a->sin_port);
  } else if (sa->sa_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(sa);
    inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    // Node's AddressToJS adds "%ifname" to link-local addresses only.
    if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr) && a->sin6_scope_id) {
      char name[IF_NAMESIZE];
      size_t n = strlen(buf);
      if (if_indextoname(a->sin6_scope_id, name))
        snprintf(buf + n, sizeof buf - n, "%%%s", name);
      else
        snprintf(buf + n, sizeof buf - n, "%%%u", a->sin6_scope_id);
    }
    *port = ntohs(a->sin6_port);
  } else {
    *port = 0;
  }
  return buf;
}

}  // namespace ringsock
