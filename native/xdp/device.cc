// See device.h. UMEM layout per queue: frames [0, kRing) circulate through fill -> rx -> fill,
// frames [kRing, kFrames) through the TX free list -> tx -> completion -> free list. Received
// payloads are copied out before their frame goes back, so the two halves never mix.
#include "device.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstring>

#ifndef SO_PREFER_BUSY_POLL
#define SO_PREFER_BUSY_POLL 69
#endif
#ifndef SO_BUSY_POLL_BUDGET
#define SO_BUSY_POLL_BUDGET 70
#endif

namespace ringsock::xdp {

Queue::~Queue() {
  if (xsk_) xsk_socket__delete(xsk_);
  if (umem_) xsk_umem__delete(umem_);
  if (area_) munmap(area_, size_t(kFrames) * kFrameSize);
}

int Queue::Open(const std::string& ifname, uint32_t qid, bool busy_poll, std::string* why) {
  qid_ = qid;
  size_t size = size_t(kFrames) * kFrameSize;
  area_ = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (area_ == MAP_FAILED) {
    area_ = nullptr;
    *why = "cannot map the UMEM: " + std::string(strerror(errno));
    return -ENOMEM;
  }
  // Zero-copy first (real NICs with driver support), copy mode otherwise (veth, generic XDP).
  int err = 0;
  for (int zc = 1; zc >= 0 && !xsk_; zc--) {
    xsk_umem_config ucfg{};
    ucfg.fill_size = kRing;
    ucfg.comp_size = kRing;
    ucfg.frame_size = kFrameSize;
    ucfg.frame_headroom = 0;
    err = xsk_umem__create(&umem_, area_, size, &fq_, &cq_, &ucfg);
    if (err) {
      umem_ = nullptr;
      *why = err == -ENOMEM || err == -EPERM || err == -ENOBUFS
                 ? "cannot register the AF_XDP UMEM (" + std::to_string(size >> 20) +
                       " MiB): " + strerror(-err) + "; raise RLIMIT_MEMLOCK or grant CAP_IPC_LOCK"
                 : "cannot register the AF_XDP UMEM: " + std::string(strerror(-err));
      return err;
    }
    xsk_socket_config scfg{};
    scfg.rx_size = kRing;
    scfg.tx_size = kRing;
    scfg.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
    scfg.bind_flags = uint16_t(XDP_USE_NEED_WAKEUP | (zc ? XDP_ZEROCOPY : XDP_COPY));
    err = xsk_socket__create(&xsk_, ifname.c_str(), qid, umem_, &rx_, &tx_, &scfg);
    // A socket closed a moment ago still holds the queue: the kernel releases its buffer pool
    // from a workqueue (xp_release_deferred), so a quick close + bind sees EBUSY for a short
    // while. Wait for it, bounded (measured here: a few ms).
    for (int tries = 0; err == -EBUSY && tries < kBusyRetries; tries++) {
      usleep(1000);
      busy_retries++;
      err = xsk_socket__create(&xsk_, ifname.c_str(), qid, umem_, &rx_, &tx_, &scfg);
    }
    if (err) {
      xsk_ = nullptr;
      xsk_umem__delete(umem_);   // a fresh UMEM for the next try: the failed bind may hold it
      umem_ = nullptr;
    } else {
      zerocopy_ = zc;
    }
  }
  if (!xsk_) {
    *why = "cannot open an AF_XDP socket on " + ifname + " queue " + std::to_string(qid) + ": " + strerror(-err);
    return err;
  }
  busy_poll_ = busy_poll;
  if (busy_poll) {
    int one = 1, usecs = 20, budget = 64;
    setsockopt(fd(), SOL_SOCKET, SO_PREFER_BUSY_POLL, &one, sizeof one);
    setsockopt(fd(), SOL_SOCKET, SO_BUSY_POLL, &usecs, sizeof usecs);
    setsockopt(fd(), SOL_SOCKET, SO_BUSY_POLL_BUDGET, &budget, sizeof budget);
  }
  uint32_t idx = 0;
  if (xsk_ring_prod__reserve(&fq_, kRing, &idx) != kRing) {
    *why = "the AF_XDP fill ring is smaller than asked";
    return -EINVAL;
  }
  for (uint32_t i = 0; i < kRing; i++) *xsk_ring_prod__fill_addr(&fq_, idx++) = uint64_t(i) * kFrameSize;
  xsk_ring_prod__submit(&fq_, kRing);
  free_tx_.reserve(kFrames - kRing);
  rx_taken_.reserve(kRing);
  for (uint32_t i = kFrames; i-- > kRing;) free_tx_.push_back(uint64_t(i) * kFrameSize);
  return 0;
}

void Queue::RxRelease() {
  uint32_t n = static_cast<uint32_t>(rx_taken_.size());
  if (!n) return;
  Refill(rx_taken_.data(), n);
  xsk_ring_cons__release(&rx_, n);
  rx_taken_.clear();
  if (xsk_ring_prod__needs_wakeup(&fq_)) recvfrom(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
}

void Queue::Refill(const uint64_t* addrs, uint32_t n) {
  uint32_t idx = 0;
  // Every rx frame came from the fill ring, so there is always room for it again.
  while (xsk_ring_prod__reserve(&fq_, n, &idx) != n) {
  }
  for (uint32_t i = 0; i < n; i++) *xsk_ring_prod__fill_addr(&fq_, idx++) = addrs[i];
  xsk_ring_prod__submit(&fq_, n);
}

uint8_t* Queue::TxAlloc(uint64_t* addr) {
  if (free_tx_.empty()) Complete();
  if (free_tx_.empty()) {
    Flush();
    if (free_tx_.empty()) {
      counters.tx_full++;
      return nullptr;
    }
  }
  *addr = free_tx_.back();
  free_tx_.pop_back();
  return static_cast<uint8_t*>(xsk_umem__get_data(area_, *addr));
}

bool Queue::TxRoom() {
  if (free_tx_.empty()) Complete();
  if (free_tx_.empty()) Flush();
  if (!free_tx_.empty()) return true;
  counters.tx_full++;
  return false;
}

void Queue::TxPush(uint64_t addr, uint32_t len) {
  uint32_t idx = 0;
  // The TX ring has as many slots as there are TX buffers, so reserve cannot fail.
  if (xsk_ring_prod__reserve(&tx_, 1, &idx) != 1) {
    free_tx_.push_back(addr);
    counters.tx_full++;
    return;
  }
  xdp_desc* d = xsk_ring_prod__tx_desc(&tx_, idx);
  d->addr = addr;
  d->len = len;
  xsk_ring_prod__submit(&tx_, 1);
  unkicked_++;
  in_flight_++;
  counters.tx++;
}

void Queue::Flush() {
  if (unkicked_ || TxBacklog()) {
    if (!unkicked_) counters.rekicks++;
    if (xsk_ring_prod__needs_wakeup(&tx_)) Kick();
  }
  unkicked_ = 0;
  Complete();
}

void Queue::Kick() {
  // Copy mode (veth, generic XDP): sendto() transmits synchronously, at most TX_BATCH_SIZE
  // (32) descriptors, and returns EAGAIN with the rest left in the ring. Kicking only when
  // new frames were pushed drained a backlog (after a flood) by one batch per new datagram:
  // a reply sat behind up to a ring's worth of older ones until more traffic came. So kick
  // until the ring is empty, bounded, and stop when a kick makes no progress (the device is
  // busy: NETDEV_TX_BUSY -> EAGAIN) or fails otherwise; the engine retries what is left.
  // Zero-copy: the kick only schedules the driver; need_wakeup is cleared while it works.
  for (int i = 0; i < kMaxKicks; i++) {
    uint32_t before = TxBacklog();
    counters.kicks++;
    ssize_t r = sendto(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, 0);
    int err = r < 0 ? errno : 0;
    uint32_t after = TxBacklog();
    if (!after || after >= before || !xsk_ring_prod__needs_wakeup(&tx_)) break;
    // EAGAIN: batch limit (or no room in the completion ring); EBUSY: the device dropped a
    // frame (it was completed). Anything else (ENOBUFS: no skb ...): retried later.
    if (err && err != EAGAIN && err != EBUSY) break;
  }
}

void Queue::Complete() {
  if (!in_flight_) return;
  uint32_t idx = 0;
  uint32_t n = xsk_ring_cons__peek(&cq_, kRing, &idx);
  for (uint32_t i = 0; i < n; i++) free_tx_.push_back(*xsk_ring_cons__comp_addr(&cq_, idx++));
  if (n) xsk_ring_cons__release(&cq_, n);
  in_flight_ -= n;
}

void Queue::Statistics(xdp_statistics* out) const {
  memset(out, 0, sizeof *out);
  socklen_t len = sizeof *out;
  if (xsk_) getsockopt(xsk_socket__fd(xsk_), SOL_XDP, XDP_STATISTICS, out, &len);
}

int Device::Open(const std::string& obj_path, const IfInfo& info, int mode, bool busy_poll,
                 InterfaceQueues::Owner owner, uint32_t want, std::string* why) {
  info_ = info;
  owner_ = owner;
  int err = 0;
  share_ = InterfaceQueues::Join(info, obj_path, mode, why, &err);
  if (!share_) return err;
  uint32_t nq = RxQueueCount(info.name);
  if (nq > RS_MAX_QUEUES) nq = RS_MAX_QUEUES;
  std::string owners;
  std::vector<uint32_t> mine = share_->Claim(owner_, nq, want, &owners);
  if (mine.empty()) {
    *why = info.name + " has " + owners;
    share_.reset();
    return -EXFULL;
  }
  for (uint32_t q : mine) {
    auto queue = std::make_unique<Queue>();
    err = queue->Open(info.name, q, busy_poll, why);
    if (!err) err = share_->SetXsk(owner_, q, queue->fd());
    if (err) {
      if (why->empty()) *why = "cannot register the AF_XDP socket in the XSKMAP: " + std::string(strerror(-err));
      Close();
      return err;
    }
    queues_.push_back(std::move(queue));
  }
  return 0;
}

void Device::Close() {
  // The XSKMAP entries and ports first, so nothing is redirected to a socket that is going
  // away; the program goes with the last environment on the interface.
  if (share_) share_->Leave(owner_);
  queues_.clear();
  share_.reset();
}

void Device::BpfCounters(uint64_t out[RS_STAT_MAX]) const {
  if (share_) share_->Counters(out);
  else memset(out, 0, sizeof(uint64_t) * RS_STAT_MAX);
}

void Device::RefreshAddrs(const std::vector<IfInfo>& all) {
  for (auto& i : all) {
    if (i.index == info_.index) {
      info_.addrs = i.addrs;
      info_.broadcasts = i.broadcasts;
      info_.mtu = i.mtu;
    }
  }
}

}  // namespace ringsock::xdp
