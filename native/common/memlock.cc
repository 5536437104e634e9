#include "common/memlock.h"
#include <linux/capability.h>
#include <sys/resource.h>
#include <fstream>

namespace ringsock {

uint64_t EffectiveCaps() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("CapEff:", 0) == 0) return std::stoull(line.substr(7), nullptr, 16);
  }
  return 0;
}

bool HasCapability(int cap) { return (EffectiveCaps() >> cap) & 1; }

static std::string Kib(uint64_t bytes) { return std::to_string((bytes + 1023) >> 10) + " KiB"; }

std::string MemlockShortfall(size_t bytes) {
  if (HasCapability(CAP_IPC_LOCK)) return "";
  rlimit r{};
  if (getrlimit(RLIMIT_MEMLOCK, &r) != 0 || r.rlim_cur == RLIM_INFINITY) return "";
  // The kernel charges the user, not the process: other rings and UMEMs of this uid count too.
  return "about " + Kib(bytes) + " must be locked, beside what this user's other rings lock; the memlock limit is " +
         Kib(r.rlim_cur) + " and CAP_IPC_LOCK is missing";
}

}  // namespace ringsock
