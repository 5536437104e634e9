// One AF_XDP engine per Node environment (DESIGN.md decision 2): the devices (interfaces with
// the steering program and their XSKs), the demux of their frames (demux.h), the next-hop
// cache, and the uv handles that wake it (uv_poll on every XSK fd; loop/poller.h lingers and
// busy-polls). Poll() drains every rx ring, hands the frames to their transports, then opens
// one delivery round (transport::DeliveryScope) in which every transport that took something
// hands it on (decision 3). No N-API: native/js/xdp/ is the JS side.
#pragma once
#include <uv.h>
#include <array>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>
#include "demux.h"
#include "device.h"
#include "host_watch.h"
#include "loop/poller.h"
#include "netlink.h"
#include "rx_facts.h"
#include "transport/delivery.h"

namespace ringsock::xdp {

class XskUdp;

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
  // scope: opened around each delivery round (js/stream_batch.h opens a handle scope);
  // queues_wanted: rx queues claimed per interface (queue_registry.h), 0 = every free one.
  Engine(uv_loop_t* loop, loop::Poller* poller, transport::DeliveryScope* scope, std::string obj_path, int mode,
         bool busy_poll, uint32_t queues_wanted);
  ~Engine();

  // Opens (or reuses) the devices for `ifaces` and owns `port` on them. 0 or -errno + *why.
  // An interface another ringsock process bypasses is left to the kernel (its port marked
  // shared there): 0 with a note in *why, or -EALREADY when that leaves no interface; one whose
  // rx queues all belong to other environments of this process likewise, -EXFULL.
  int Attach(XskUdp* s, const std::vector<IfInfo>& ifaces, std::string* why);
  void Detach(XskUdp* s);
  // Resolves where a datagram to dst goes for socket s (route + neighbour tables, cached).
  const NextHop& Resolve(XskUdp* s, const IpAddr& dst);
  // A frame was pushed on q's TX ring: kicked at once while the callback of a one-datagram
  // delivery sends its first reply (nothing else could join that kick), else after the delivery
  // callbacks, else at the end of the tick (EndOfTick).
  void TxQueued(Queue* q);
  void SetKickFirstSend(bool on) { kick_first_send_ = on; }
  // e has news for its owner (send completions) outside a receive: delivered at the end of tick.
  void WantDelivery(Endpoint* e);
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
  void RefChanged();
  // host_watch_ is readable: the next frame is judged on fresh facts.
  void HostChanged();
  // Environment teardown: closes every device and uv handle; done(arg) once they are closed.
  void CloseHandles(void (*done)(void*), void* arg);
  // End of the tick: kicks what was queued and delivers send completions.
  void EndOfTick();
  void JoinGroup(const IpAddr& g, bool join);
  bool busy_poll() const { return busy_poll_; }
  loop::Poller* poller() const { return poller_; }
  // The note "no interface bypassed here" is given once per environment.
  bool noted_no_interface = false;

  struct DevEntry {
    std::unique_ptr<Device> dev;
    std::vector<uv_poll_t*> polls;
    RxCounters counters;
    std::unique_ptr<DeviceFacts> facts;
    int users = 0;
  };
  // For stats(): by ifindex.
  const std::map<int, DevEntry>& devices() const { return devs_; }

 private:
  // Re-reads the namespace's addresses and the devices' sysctls when they are a second old (or
  // host_refreshed_ns_ was zeroed: host_watch_ saw a change): what stack::Admit decides on
  // must follow the kernel's configuration.
  void RefreshHostFacts(uint64_t now);
  void WatchHost();   // starts watch_poll_ (once)
  void Deliver();
  void ArmEndOfTick();
  void CloseDevice(int ifindex);
  void RebuildQueueList();
  // Starts the retry timer when a TX backlog is left after a flush, stops it when none is.
  void CheckTxBacklog();

  uv_loop_t* loop_;
  loop::Poller* poller_;
  transport::DeliveryScope* scope_;
  std::string obj_path_;
  int mode_;
  bool busy_poll_;
  uint32_t queues_wanted_;
  Netlink nl_;
  std::map<int, DevEntry> devs_;   // by ifindex
  Demux demux_;
  std::vector<XskUdp*> sockets_;
  std::vector<Queue*> tx_pending_;
  std::vector<Queue*> rxq_;             // every queue of every device (the busy spin's list)
  std::vector<Endpoint*> delivering_;   // Deliver's batch, kept to reuse its storage
  std::map<GroupKey, NextHop> hops_;
  std::map<GroupKey, int> groups_;
  HostAddrs host_addrs_;
  HostWatch host_watch_;
  uv_poll_t* watch_poll_ = nullptr;   // host_watch_'s fd; readable: refresh before the next frame
  uint64_t host_refreshed_ns_ = 0;
  uv_timer_t* kick_timer_ = nullptr;
  uv_idle_t* tick_end_ = nullptr;   // EndOfTick, armed while something waits for it
  bool kick_timer_on_ = false, tick_end_armed_ = false;
  bool in_poll_ = false, tearing_down_ = false, delivering_now_ = false, kick_first_send_ = false;
};

uint64_t NowNs();

}  // namespace ringsock::xdp
