// Tells the engine that the kernel's addresses or rp_filter changed, so stack::Admit's facts
// (rx_facts.h) follow within a loop turn, as the kernel's own checks do: an rtnetlink socket
// subscribed to address and netconf notifications, watched by the event loop (a uv_poll, so the
// frame path makes no syscall for it). Sysctls the kernel sends no notification for
// (accept_local, route_localnet ...) are re-read by the engine's once-a-second refresh.
#pragma once

namespace ringsock::xdp {

class HostWatch {
 public:
  HostWatch();
  ~HostWatch();
  HostWatch(const HostWatch&) = delete;
  HostWatch& operator=(const HostWatch&) = delete;
  // True when a notification arrived since the last call (or some were lost: ENOBUFS). Without
  // the socket (ok() false) it is always false and the timed refresh stands alone.
  bool Changed();
  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

}  // namespace ringsock::xdp
