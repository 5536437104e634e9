// Is this process in the host's own network namespace? The bypass takes an interface only
// when the answer is provably "no" (or when RINGSOCK_IFACE names it): a wrong "no" would put
// the management NIC under an XDP program.
#pragma once
#include <string>

namespace ringsock::xdp {

struct NetnsCheck {
  bool maybe_host = true;   // true unless proven otherwise
  std::string why;          // how it was decided, for the warning
};

// Two signals, each readable without privileges beyond the process's own:
// - /proc/1/ns/net against /proc/self/ns/net (often EACCES: PID 1 holds capabilities this
//   process lacks, and reading its namespace is a ptrace-mode access);
// - net.core sysctls the kernel registers only in the initial namespace
//   (netdev_max_backlog, devconf_inherit_init_net ...), looked up under /proc/sys, which
//   always shows the reader's own namespace.
// "Not the host" needs one signal saying so and none saying otherwise.
NetnsCheck CheckHostNetns();

}  // namespace ringsock::xdp
