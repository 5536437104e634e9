// See netns.h.
#include "netns.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

namespace ringsock::xdp {

namespace {
enum class Signal { kHost, kOther, kUnknown };

Signal ComparePid1(std::string* note) {
  struct stat self {}, init {};
  if (stat("/proc/self/ns/net", &self) != 0) {
    *note = std::string("/proc/self/ns/net: ") + strerror(errno);
    return Signal::kUnknown;
  }
  if (stat("/proc/1/ns/net", &init) != 0) {
    *note = std::string("/proc/1/ns/net: ") + strerror(errno);
    return Signal::kUnknown;
  }
  return self.st_ino == init.st_ino && self.st_dev == init.st_dev ? Signal::kHost : Signal::kOther;
}

bool Exists(const char* path) {
  struct stat st {};
  return stat(path, &st) == 0;
}

Signal InitOnlySysctls(std::string* note) {
  static const char* const kInitOnly[] = {
      "/proc/sys/net/core/netdev_max_backlog", "/proc/sys/net/core/devconf_inherit_init_net",
      "/proc/sys/net/core/message_cost", "/proc/sys/net/core/dev_weight"};
  for (const char* p : kInitOnly)
    if (Exists(p)) return Signal::kHost;
  // Absent only means something if /proc/sys/net is there at all (somaxconn is per namespace).
  if (!Exists("/proc/sys/net/core/somaxconn")) {
    *note = "/proc/sys/net is not readable";
    return Signal::kUnknown;
  }
  return Signal::kOther;
}
}  // namespace

NetnsCheck CheckHostNetns() {
  NetnsCheck out;
  std::string n1, n2;
  Signal pid1 = ComparePid1(&n1), sysctls = InitOnlySysctls(&n2);
  if (pid1 == Signal::kHost || sysctls == Signal::kHost) {
    out.why = "this is the host's initial network namespace";
  } else if (pid1 == Signal::kOther || sysctls == Signal::kOther) {
    out.maybe_host = false;
    out.why = "this is not the host's initial network namespace";
  } else {
    out.why = "it could not be proven that this is not the host's initial network namespace (" + n1 +
              "; " + n2 + ")";
  }
  return out;
}

}  // namespace ringsock::xdp
