#include "js/uring_probe.h"
#include "js/environment.h"
#include <sys/utsname.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include "common/memlock.h"
#include "uring/buf_ring.h"
#include "uring/engine.h"

namespace ringsock::js {

using uring::Engine;

namespace {

constexpr unsigned kNopTimeoutMs = 1000;

// Multishot recvmsg / recv (6.0) and provided buffer rings (5.19) are what the sockets use.
std::string KernelTooOld() {
  utsname u;
  int major = 0, minor = 0;
  if (uname(&u) == 0) sscanf(u.release, "%d.%d", &major, &minor);
  if (major >= 6) return "";
  return std::string("kernel ") + u.release + " is older than 6.0 (no multishot recvmsg/recv)";
}

// Words for io_uring_setup's EPERM: the sysctl if it is set, else seccomp.
std::string SetupDenied() {
  int disabled = -1;
  if (FILE* f = fopen("/proc/sys/kernel/io_uring_disabled", "r")) {
    if (fscanf(f, "%d", &disabled) != 1) disabled = -1;
    fclose(f);
  }
  if (disabled > 0)
    return "io_uring_setup failed: Operation not permitted (sysctl kernel.io_uring_disabled=" +
           std::to_string(disabled) + ")";
  return "io_uring_setup failed: Operation not permitted (io_uring blocked by seccomp or "
         "kernel.io_uring_disabled)";
}

std::string NopFailed(int rc) {
  std::string head = "io_uring cannot complete a request (a NOP round trip): ";
  if (rc == -ETIME) return head + "no completion within " + std::to_string(kNopTimeoutMs) + " ms";
  std::string words = head + "io_uring_enter failed: " + strerror(-rc);
  if (rc == -EPERM || rc == -ENOSYS) words += " (io_uring_enter blocked by seccomp?)";
  return words;
}

std::string Run(Addon* addon) {
  std::string why = KernelTooOld();
  if (!why.empty()) return why;
  if (addon->uring) return "";  // a socket opened the engine already: it runs
  Engine* e = UringOf(addon, &why);
  if (!e) {
    bool setup = why.rfind("io_uring_queue_init", 0) == 0;
    if (setup && why.find(strerror(ENOSYS)) != std::string::npos)
      return "io_uring_setup failed: Function not implemented (a kernel without io_uring, or a seccomp filter)";
    if (setup && why.find(strerror(EPERM)) != std::string::npos) return SetupDenied();
    if (why.find(strerror(EPERM)) != std::string::npos || why.find(strerror(ENOSYS)) != std::string::npos)
      why += " (io_uring_register blocked by seccomp?)";
    return why;
  }
  // Both buffer groups now (1: kRingDgram, 3: kRingStream), as the first UDP and TCP sockets would.
  for (int group : {1, 3}) {
    if (!e->Ring(group, &why)) {
      std::string memlock = why.find(strerror(ENOMEM)) != std::string::npos ? MemlockShortfall(Engine::LockedBytes()) : "";
      if (!memlock.empty()) why += " (" + memlock + ")";
      break;
    }
  }
  if (why.empty()) {
    int rc = e->NopRoundTrip(kNopTimeoutMs);
    if (rc) why = NopFailed(rc);
  }
  if (!why.empty()) {
    delete e;
    addon->uring = nullptr;
  }
  return why;
}

}  // namespace

const std::string& Probe(Addon* addon) {
  if (!addon->uring_probed) {
    addon->uring_unusable = Run(addon);
    addon->uring_probed = true;
  }
  return addon->uring_unusable;
}

}  // namespace ringsock::js
