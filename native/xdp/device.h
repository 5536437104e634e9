// A frame-level device on one interface: the XDP steering program plus one AF_XDP socket
// (with its own UMEM) per rx queue. The API is frames in, frames out, in batches
// (RxBurst / TxAlloc+TxPush / Flush), so UDP dispatch today and a TCP stack later sit on it
// the same way. Read Documentation/networking/af_xdp.rst (kernel) first.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <sys/socket.h>
#include <vector>
#include <xdp/xsk.h>
#include "loader.h"
#include "netlink.h"
#include "queue_registry.h"

namespace ringsock::xdp {

struct QueueCounters {
  uint64_t rx = 0, tx = 0, tx_full = 0, kicks = 0, rekicks = 0;
};

class Queue {
 public:
  static constexpr uint32_t kFrames = 4096, kFrameSize = 2048, kRing = 2048;
  ~Queue();
  // 0 or -errno, *why in words. Tries zero-copy, then copy mode.
  int Open(const std::string& ifname, uint32_t qid, bool busy_poll, std::string* why);
  int fd() const { return xsk_ ? xsk_socket__fd(xsk_) : -1; }
  uint32_t id() const { return qid_; }
  bool zerocopy() const { return zerocopy_; }

  // Calls fn(data, len) for up to max received frames; returns their number. The data is only
  // valid during the call. The frames go back to the kernel at RxRelease.
  template <typename F>
  uint32_t RxBurst(uint32_t max, F&& fn);
  // Releases the rx ring entries RxBurst consumed and puts their buffers on the fill ring. Called
  // after the replies are kicked: these writes share cache lines with the kernel on the core that
  // received the frame, ~0.2 us here, which a reply need not wait for.
  void RxRelease();
  // A TX buffer of kFrameSize bytes, or nullptr when all are in flight; TxPush queues it.
  uint8_t* TxAlloc(uint64_t* addr);
  // A TxAlloc now would succeed (completions reaped, the ring kicked if it must be); counts
  // tx_full when it would not.
  bool TxRoom();
  void TxPush(uint64_t addr, uint32_t len);
  // Wakes the kernel for queued TX (when need_wakeup asks) and recycles completed buffers.
  // Kicks again while descriptors are left in the TX ring (see Kick), not only after new
  // pushes: in copy mode one sendto() sends at most one batch (TX_BATCH_SIZE, 32 frames).
  void Flush();
  bool tx_pending() const { return unkicked_ > 0; }
  // Descriptors pushed that the kernel has not taken from the TX ring yet.
  uint32_t TxBacklog() const { return *tx_.producer - __atomic_load_n(tx_.consumer, __ATOMIC_ACQUIRE); }
  // A backlog the kernel waits for a kick to send (copy mode always; zero-copy when the
  // driver set need_wakeup). Such a backlog must be kicked again later (Engine's timer).
  bool TxStuck() const { return TxBacklog() > 0 && xsk_ring_prod__needs_wakeup(&tx_); }
  // Something to receive? (reads the ring's producer index only: no syscall)
  bool RxReady() { return xsk_cons_nb_avail(&rx_, 1) > 0; }
  void Statistics(xdp_statistics* out) const;
  QueueCounters counters;
  uint32_t busy_retries = 0;   // 1 ms waits for the previous socket on this queue to go away

 private:
  static constexpr int kBusyRetries = 200;
  // sendto() kicks per Flush, at most: enough to drain a full ring one batch (32) at a time.
  static constexpr int kMaxKicks = kRing / 32 + 1;
  void Kick();
  void Complete();
  void Refill(const uint64_t* addrs, uint32_t n);
  xsk_umem* umem_ = nullptr;
  xsk_socket* xsk_ = nullptr;
  void* area_ = nullptr;
  xsk_ring_prod fq_{}, tx_{};
  xsk_ring_cons cq_{}, rx_{};
  std::vector<uint64_t> free_tx_, rx_taken_;
  uint32_t qid_ = 0, unkicked_ = 0, in_flight_ = 0;
  bool zerocopy_ = false, busy_poll_ = false;
};

// One environment's part of an interface: the program and maps are the process's
// (queue_registry.h), the queues are the ones this environment claimed.
class Device {
 public:
  // 0 or -errno with *why: joins the process's share of the interface (attaching the program
  // if it is the first) and opens an XSK on each rx queue it can claim, at most `want` (0: every
  // free one). -EXFULL: every queue is another environment's.
  int Open(const std::string& obj_path, const IfInfo& info, int mode, bool busy_poll, InterfaceQueues::Owner owner,
           uint32_t want, std::string* why);
  void Close();
  const IfInfo& info() const { return info_; }
  // The steering program's port map, for this environment's sockets.
  int AddPort(uint8_t proto, uint16_t port, uint8_t family) { return share_->AddPort(owner_, proto, port, family); }
  void RemovePort(uint8_t proto, uint16_t port, uint8_t family) { share_->RemovePort(owner_, proto, port, family); }
  int SyncLocal(const std::vector<stack::IpAddr>& addrs) { return share_->SyncLocal(addrs); }
  bool native() const { return share_ && share_->native(); }
  void BpfCounters(uint64_t out[RS_STAT_MAX]) const;
  std::vector<std::unique_ptr<Queue>>& queues() { return queues_; }
  // Queue to transmit on when the flow's own rx queue is not known: the first.
  Queue* TxQueue() { return queues_.empty() ? nullptr : queues_[0].get(); }
  bool Owns(const Queue* q) const {
    for (auto& mine : queues_)
      if (mine.get() == q) return true;
    return false;
  }
  // This interface's addresses and MTU from a fresh ListInterfaces().
  void RefreshAddrs(const std::vector<IfInfo>& all);

 private:
  IfInfo info_;
  std::shared_ptr<InterfaceQueues> share_;
  InterfaceQueues::Owner owner_ = nullptr;
  std::vector<std::unique_ptr<Queue>> queues_;
};

template <typename F>
uint32_t Queue::RxBurst(uint32_t max, F&& fn) {
  uint32_t idx = 0;
  uint32_t n = xsk_ring_cons__peek(&rx_, max, &idx);
  if (!n) {
    // need_wakeup on the fill ring: the kernel waits for a syscall before it fills again.
    // Busy polling: the syscall also runs the device's NAPI poll in this thread
    // (SO_PREFER_BUSY_POLL), instead of waiting for a softirq on a busy core.
    if (busy_poll_ || xsk_ring_prod__needs_wakeup(&fq_)) recvfrom(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
    return 0;
  }
  for (uint32_t i = 0; i < n; i++) {
    const xdp_desc* d = xsk_ring_cons__rx_desc(&rx_, idx++);
    uint64_t a = xsk_umem__add_offset_to_addr(d->addr);
    fn(static_cast<const uint8_t*>(xsk_umem__get_data(area_, a)), d->len);
    rx_taken_.push_back(xsk_umem__extract_addr(d->addr));
  }
  counters.rx += n;
  return n;
}

}  // namespace ringsock::xdp
