// One AF_XDP engine per Node environment (DESIGN.md decision 2): the devices (interfaces with
// the steering program and their XSKs), the sockets bound on them, the next-hop cache, and
// the uv handles that wake it (uv_poll on every XSK fd; loop/poller.h lingers and busy-polls).
// Poll() drains every rx ring, validates and dispatches the frames, then makes one JS call
// per socket with everything that arrived (decision 3).
#pragma once
#include <napi.h>
#include <uv.h>
#include <array>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>
#include "addon.h"
#include "device.h"
#include "host_watch.h"
#include "loop/poller.h"
#include "netlink.h"
#include "rx_facts.h"

namespace ringsock::xdp {

class UdpSocket;

struct DeviceCounters {
  uint64_t verdicts[size_t(stack::Verdict::kCount)] = {};
  uint64_t refusals[size_t(stack::Refusal::kCount)] = {};   // stack::Admit's, by reason
  uint64_t no_socket = 0;
};

// Where a datagram to some destination leaves: on an XSK (dev != nullptr) or through the
// kernel socket (dev == nullptr).
struct NextHop {
  Device* dev = nullptr;
  stack::Mac mac{};
  IpAddr src;                 // route's preferred source (family 0 if none)
  uint64_t expires_ns = 0;
  bool confirmed = false;
};

class Engine final : public loop::Source {
 public:
  Engine(Addon* addon, std::string obj_path, int mode, bool busy_poll);
  ~Engine();

  // Opens (or reuses) the devices for `ifaces` and owns `port` on them. 0 or -errno + *why.
  // An interface another ringsock process bypasses is left to the kernel (its port marked
  // shared there): 0 with a note in *why, or -EALREADY when that leaves no interface.
  int Attach(UdpSocket* s, const std::vector<IfInfo>& ifaces, std::string* why);
  void Detach(UdpSocket* s);
  // Resolves where a datagram to dst goes for socket s (route + neighbour tables, cached).
  const NextHop& Resolve(UdpSocket* s, const IpAddr& dst);
  void MarkTxPending(Queue* q);
  void Flush();
  // Kicks every queue whose TX ring still holds descriptors the kernel waits to be woken for
  // (a kick that made no progress: device busy). Runs from a 1 ms timer while any is left.
  void RetryKicks();
  void Poll();
  // loop::Source: Poll() if an rx ring holds frames (no syscall otherwise); true if one did.
  bool PollOnce() override;
  // After each busy-poll turn: Poll() once, for the syscall path (NAPI drive, fill ring wake-up)
  // and completions, even when nothing arrived.
  void AfterSpin() override { Poll(); }
  bool has_queues() const { return !rxq_.empty(); }
  // True while Poll delivers: whatever the callbacks queue is kicked right after them.
  bool flushes_after() const { return delivering_now_; }
  void RefChanged();
  // host_watch_ is readable: the next frame is judged on fresh facts.
  void HostChanged();
  // Environment teardown: closes every device and uv handle, then removes `hook`.
  void Shutdown(napi_async_cleanup_hook_handle hook);
  void MarkDirty(UdpSocket* s);
  void JoinGroup(const IpAddr& g, bool join);
  Napi::Object Stats(Napi::Env env);
  Addon* addon() const { return addon_; }
  bool busy_poll() const { return busy_poll_; }

 private:
  struct DevEntry {
    std::unique_ptr<Device> dev;
    std::vector<uv_poll_t*> polls;
    DeviceCounters counters;
    std::unique_ptr<DeviceFacts> facts;
    int users = 0;
  };
  void Dispatch(DevEntry& e, const uint8_t* frame, uint32_t len);
  // Re-reads the namespace's addresses and the devices' sysctls when they are a second old (or
  // host_refreshed_ns_ was zeroed: host_watch_ saw a change): what stack::Admit decides on
  // must follow the kernel's configuration.
  void RefreshHostFacts(uint64_t now);
  void WatchHost();   // starts watch_poll_ (once)
  void Deliver();
  void CloseDevice(int ifindex);
  void RebuildQueueList();
  // Starts the retry timer when a TX backlog is left after a flush, stops it when none is.
  void CheckTxBacklog();

  Addon* addon_;
  std::string obj_path_;
  int mode_;
  bool busy_poll_;
  loop::Poller* poller_;
  Netlink nl_;
  std::map<int, DevEntry> devs_;   // by ifindex
  std::unordered_map<uint16_t, std::vector<UdpSocket*>> by_port_;
  std::vector<UdpSocket*> sockets_;
  std::vector<UdpSocket*> dirty_;
  std::vector<Queue*> tx_pending_;
  std::vector<Queue*> rxq_;              // every queue of every device (the busy spin's list)
  std::vector<UdpSocket*> delivering_;   // Deliver's batch, kept to reuse its storage
  std::map<GroupKey, NextHop> hops_;
  std::map<GroupKey, int> groups_;
  HostAddrs host_addrs_;
  HostWatch host_watch_;
  uv_poll_t* watch_poll_ = nullptr;   // host_watch_'s fd; readable: refresh before the next frame
  uint64_t host_refreshed_ns_ = 0;
  uv_timer_t* kick_timer_ = nullptr;
  bool kick_timer_on_ = false;
  bool in_poll_ = false, tearing_down_ = false, delivering_now_ = false;
};

uint64_t NowNs();

}  // namespace ringsock::xdp
