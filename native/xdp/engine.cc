// See engine.h.
#include "engine.h"

#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <time.h>
#include <algorithm>
#include <cstring>
#include "xsk_udp.h"

namespace ringsock::xdp {

using loop::Poller;
using stack::Verdict;

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

namespace {
constexpr uint64_t kHopTtlNs = 1000000000ull;        // route + neighbour answers kept 1 s
constexpr uint64_t kUnresolvedTtlNs = 50000000ull;   // kernel path re-checked every 50 ms
constexpr uint32_t kBurst = 64, kBudget = 1024;      // frames per peek, per queue per Poll

void OnPoll(uv_poll_t* h, int status, int events) {
  auto* e = static_cast<Engine*>(h->data);
  e->Poll();
  if (!e->busy_poll()) e->poller()->Linger();
}
void OnTickEnd(uv_idle_t* h) { static_cast<Engine*>(h->data)->EndOfTick(); }
void OnHostWatch(uv_poll_t* h, int status, int events) { static_cast<Engine*>(h->data)->HostChanged(); }
void OnKickTimer(uv_timer_t* h) { static_cast<Engine*>(h->data)->RetryKicks(); }
void FreeHandle(uv_handle_t* h) {
  if (h->type == UV_POLL) delete reinterpret_cast<uv_poll_t*>(h);
  else if (h->type == UV_TIMER) delete reinterpret_cast<uv_timer_t*>(h);
  else delete reinterpret_cast<uv_idle_t*>(h);
}

// Handles closed by Shutdown() count down here; the last one lets the environment go on.
struct ShutdownState {
  int open = 0;
  void (*done)(void*) = nullptr;
  void* arg = nullptr;
};
void ShutdownClosed(uv_handle_t* h) {
  auto* st = static_cast<ShutdownState*>(h->data);
  FreeHandle(h);
  if (--st->open > 0) return;
  if (st->done) st->done(st->arg);
  delete st;
}
}  // namespace

Engine::Engine(uv_loop_t* loop, loop::Poller* poller, transport::DeliveryScope* scope, std::string obj_path,
               int mode, bool busy_poll, uint32_t queues_wanted)
    : loop_(loop), poller_(poller), scope_(scope), obj_path_(std::move(obj_path)), mode_(mode),
      busy_poll_(busy_poll), queues_wanted_(queues_wanted) {}

void Engine::CloseHandles(void (*done)(void*), void* arg) {
  // Runs from the environment's cleanup hook, while the loop still runs and this addon is
  // loaded (a worker's last environment unloads it afterwards: close callbacks must be done).
  auto* st = new ShutdownState;
  st->done = done;
  st->arg = arg;
  for (auto* s : sockets_) s->EngineGone();
  sockets_.clear();
  demux_.Clear();
  tx_pending_.clear();
  hops_.clear();
  // uv_close stops a handle too; each one counts down st when its close callback ran.
  auto close = [st](void* h) {
    if (!h) return;
    auto* handle = static_cast<uv_handle_t*>(h);
    handle->data = st;
    st->open++;
    uv_close(handle, ShutdownClosed);
  };
  for (auto& kv : devs_) {
    for (uv_poll_t* p : kv.second.polls) close(p);
    kv.second.polls.clear();
    kv.second.dev->Close();
  }
  devs_.clear();
  rxq_.clear();
  poller_->Remove(this);
  close(watch_poll_);
  close(kick_timer_);
  close(tick_end_);
  watch_poll_ = nullptr;
  kick_timer_ = nullptr;
  tick_end_ = nullptr;
  if (st->open == 0) {
    if (done) done(arg);
    delete st;
  }
}

Engine::~Engine() {
  // Normally CloseHandles() ran first and nothing is left here.
  tearing_down_ = true;
  for (auto* s : sockets_) s->EngineGone();
  std::vector<int> ids;
  for (auto& kv : devs_) ids.push_back(kv.first);
  for (int id : ids) CloseDevice(id);
  poller_->Remove(this);
  if (kick_timer_) {
    uv_timer_stop(kick_timer_);
    kick_timer_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(kick_timer_), nullptr);
  }
  if (watch_poll_) {
    uv_poll_stop(watch_poll_);
    watch_poll_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(watch_poll_), nullptr);
  }
  if (tick_end_) {
    uv_idle_stop(tick_end_);
    tick_end_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(tick_end_), nullptr);
  }
}

int Engine::Attach(XskUdp* s, const std::vector<IfInfo>& ifaces, std::string* why) {
  std::vector<int> opened;
  std::string shared;   // interfaces another ringsock process bypasses: the kernel serves them
  std::string taken;    // interfaces whose queues other environments of this process own
  for (const IfInfo& info : ifaces) {
    auto it = devs_.find(info.index);
    if (it == devs_.end()) {
      auto dev = std::make_unique<Device>();
      std::string reason;
      int err = dev->Open(obj_path_, info, mode_, busy_poll_, this, queues_wanted_, &reason);
      if (err == -EXFULL) {
        // Its frames for this port reach the kernel half (the port is not in the map for
        // those queues, or another environment's socket holds it there).
        taken += (taken.empty() ? "" : "; ") + reason;
        continue;
      }
      if (err == -EALREADY) {
        int serr = 0;
        for (uint8_t f : s->Families())
          if (!serr) serr = Steer::SharePort(info.index, stack::kProtoUdp, s->port(), f);
        if (serr) {
          *why = reason + ", and its port map refused port " + std::to_string(s->port()) + ": " + strerror(-serr);
          for (int id : opened) CloseDevice(id);
          return -EBUSY;
        }
        shared += (shared.empty() ? "" : "; ") + reason;
        continue;
      }
      if (err) {
        *why = reason;
        for (int id : opened) CloseDevice(id);
        return err;
      }
      DevEntry& e = devs_[info.index];
      e.dev = std::move(dev);
      e.facts = std::make_unique<DeviceFacts>(&host_addrs_, &e.dev->info(), &groups_, &nl_);
      // Before the first frame: the program's local-address map and this device's sysctls.
      WatchHost();
      host_refreshed_ns_ = 0;
      RefreshHostFacts(NowNs());
      for (auto& q : e.dev->queues()) {
        auto* p = new uv_poll_t;
        uv_poll_init(loop_, p, q->fd());
        p->data = this;
        uv_poll_start(p, UV_READABLE, OnPoll);
        e.polls.push_back(p);
      }
      opened.push_back(info.index);
      it = devs_.find(info.index);
      RebuildQueueList();
    }
    int err = 0;
    std::vector<uint8_t> added;
    for (uint8_t f : s->Families()) {
      err = it->second.dev->AddPort(stack::kProtoUdp, s->port(), f);
      if (err) break;
      added.push_back(f);
    }
    if (err) {
      *why = "cannot add port " + std::to_string(s->port()) + " to the XDP port map: " + strerror(-err);
      for (uint8_t f : added) it->second.dev->RemovePort(stack::kProtoUdp, s->port(), f);
      for (Device* d : s->devices())
        for (uint8_t f : s->Families()) d->RemovePort(stack::kProtoUdp, s->port(), f);
      s->devices().clear();
      for (int id : opened) CloseDevice(id);
      return err;
    }
    it->second.users++;
    s->devices().push_back(it->second.dev.get());
  }
  if (!taken.empty()) *why = taken + (s->devices().empty() ? "" : ": this socket is served by its kernel half there");
  if (!shared.empty()) {
    *why = (taken.empty() ? "" : *why + "; ") + shared + ": port " + std::to_string(s->port()) +
           "/udp is marked shared there, its frames go to the kernel (to both processes)";
    if (s->devices().empty()) return -EALREADY;   // nothing bypassed: a kernel (io_uring) socket
  }
  if (!taken.empty() && s->devices().empty()) return -EXFULL;
  demux_.AddPort(stack::kProtoUdp, s->port(), s);
  sockets_.push_back(s);
  hops_.clear();   // a new device changes which destinations leave on an XSK
  RefChanged();
  return 0;
}

void Engine::Detach(XskUdp* s) {
  // What it queued leaves before its device may close.
  Flush();
  for (Device* d : s->devices()) {
    for (uint8_t f : s->Families()) d->RemovePort(stack::kProtoUdp, s->port(), f);
    int id = d->info().index;
    auto it = devs_.find(id);
    if (it != devs_.end() && --it->second.users <= 0) CloseDevice(id);
  }
  s->devices().clear();
  // A socket closed from inside a delivery is skipped by Deliver (it checks dirty).
  demux_.Remove(s);
  sockets_.erase(std::remove(sockets_.begin(), sockets_.end(), s), sockets_.end());
  hops_.clear();
  RefChanged();
}

void Engine::CloseDevice(int ifindex) {
  auto it = devs_.find(ifindex);
  if (it == devs_.end()) return;
  for (uv_poll_t* p : it->second.polls) {
    uv_poll_stop(p);
    uv_close(reinterpret_cast<uv_handle_t*>(p), tearing_down_ ? nullptr : FreeHandle);
  }
  Device* d = it->second.dev.get();
  tx_pending_.erase(std::remove_if(tx_pending_.begin(), tx_pending_.end(),
                                   [d](Queue* q) {
                                     for (auto& mine : d->queues())
                                       if (mine.get() == q) return true;
                                     return false;
                                   }),
                    tx_pending_.end());
  it->second.dev->Close();
  devs_.erase(it);
  RebuildQueueList();
}

void Engine::RebuildQueueList() {
  rxq_.clear();
  for (auto& kv : devs_)
    for (auto& q : kv.second.dev->queues()) rxq_.push_back(q.get());
  if (rxq_.empty()) poller_->Remove(this);
  else poller_->Add(this);
}

void Engine::RefChanged() {
  bool any = false;
  for (auto* s : sockets_) any |= s->refed();
  for (auto& kv : devs_) {
    for (uv_poll_t* p : kv.second.polls) {
      if (any) uv_ref(reinterpret_cast<uv_handle_t*>(p));
      else uv_unref(reinterpret_cast<uv_handle_t*>(p));
    }
  }
  if (busy_poll_) poller_->WantSpin(this, any && !devs_.empty());
}

void Engine::TxQueued(Queue* q) {
  if (kick_first_send_) {
    kick_first_send_ = false;
    q->Flush();
    return;
  }
  if (std::find(tx_pending_.begin(), tx_pending_.end(), q) == tx_pending_.end()) tx_pending_.push_back(q);
  if (!delivering_now_) ArmEndOfTick();
}

void Engine::WantDelivery(Endpoint* e) {
  demux_.MarkDirty(e);
  ArmEndOfTick();
}

void Engine::ArmEndOfTick() {
  if (tick_end_armed_ || tearing_down_) return;
  if (!tick_end_) {
    tick_end_ = new uv_idle_t;
    uv_idle_init(loop_, tick_end_);
    tick_end_->data = this;
  }
  tick_end_armed_ = true;
  // An idle handle, not a prepare one: while it is active the loop does not block in epoll, so
  // completions reported from it (and sends their callbacks make) need no wake-up. Ref'd while
  // armed: a send from the main script leaves even if nothing else keeps the loop alive.
  uv_idle_start(tick_end_, OnTickEnd);
  uv_ref(reinterpret_cast<uv_handle_t*>(tick_end_));
}

void Engine::EndOfTick() {
  tick_end_armed_ = false;
  uv_idle_stop(tick_end_);
  uv_unref(reinterpret_cast<uv_handle_t*>(tick_end_));
  Flush();
  delivering_now_ = true;
  Deliver();
  delivering_now_ = false;
  Flush();
}

void Engine::Flush() {
  if (tx_pending_.empty()) return;
  for (Queue* q : tx_pending_) q->Flush();
  tx_pending_.clear();
  CheckTxBacklog();
}

void Engine::RetryKicks() {
  for (Queue* q : rxq_) q->Flush();
  CheckTxBacklog();
}

void Engine::CheckTxBacklog() {
  bool stuck = false;
  for (Queue* q : rxq_) stuck |= q->TxStuck();
  if (stuck == kick_timer_on_ || tearing_down_) return;
  if (!kick_timer_) {
    kick_timer_ = new uv_timer_t;
    uv_timer_init(loop_, kick_timer_);
    kick_timer_->data = this;
    // Frames left in a ring do not keep the process alive by themselves (sockets do).
    uv_unref(reinterpret_cast<uv_handle_t*>(kick_timer_));
  }
  if (stuck) uv_timer_start(kick_timer_, OnKickTimer, 1, 1);
  else uv_timer_stop(kick_timer_);
  kick_timer_on_ = stuck;
}

void Engine::JoinGroup(const IpAddr& g, bool join) {
  auto k = KeyOf(g);
  if (join) {
    groups_[k]++;
  } else if (groups_.count(k) && --groups_[k] <= 0) {
    groups_.erase(k);
  }
}

void Engine::HostChanged() {
  if (host_watch_.Changed()) host_refreshed_ns_ = 0;
}

void Engine::WatchHost() {
  if (watch_poll_ || !host_watch_.ok()) return;
  watch_poll_ = new uv_poll_t;
  uv_poll_init(loop_, watch_poll_, host_watch_.fd());
  watch_poll_->data = this;
  uv_poll_start(watch_poll_, UV_READABLE, OnHostWatch);
  uv_unref(reinterpret_cast<uv_handle_t*>(watch_poll_));   // the sockets keep the loop alive
}

void Engine::RefreshHostFacts(uint64_t now) {
  if (now - host_refreshed_ns_ < kHopTtlNs) return;
  host_refreshed_ns_ = now;
  std::vector<IfInfo> all = ListInterfaces();
  host_addrs_.Load(all);
  std::vector<IpAddr> local = host_addrs_.addrs;
  local.insert(local.end(), host_addrs_.broadcasts.begin(), host_addrs_.broadcasts.end());
  for (auto& kv : devs_) {
    kv.second.dev->RefreshAddrs(all);
    kv.second.facts->Reload();
    kv.second.dev->SyncLocal(local);
  }
}

bool Engine::PollOnce() {
  bool ready = false;
  for (Queue* q : rxq_) ready |= q->RxReady();
  if (ready) Poll();
  return ready;
}

void Engine::Poll() {
  if (in_poll_) return;   // a JS callback that re-enters the loop (it should not) finds it busy
  in_poll_ = true;
  RefreshHostFacts(NowNs());
  for (auto& kv : devs_) {
    DevEntry& e = kv.second;
    RxInterface iface{e.dev->info().mac, &e.facts->conf4(), &e.facts->conf6(), e.facts.get()};
    for (auto& q : e.dev->queues()) {
      RxFrom from{&e.dev->info().name, q.get(), q->id()};
      uint32_t total = 0, n;
      do {
        n = q->RxBurst(kBurst, [&](const uint8_t* f, uint32_t len) { demux_.Receive(f, len, iface, from, &e.counters); });
        total += n;
      } while (n == kBurst && total < kBudget);
    }
  }
  in_poll_ = false;
  delivering_now_ = true;
  Deliver();
  delivering_now_ = false;
  // Replies queued by the callbacks above leave in one kick per queue.
  Flush();
  // Completions of earlier sends, so TX buffers come back even when nothing new is sent;
  // and a backlog left in a TX ring is kicked again.
  RetryKicks();
  for (Queue* q : rxq_) q->RxRelease();
}

void Engine::Deliver() {
  std::vector<Endpoint*> batch;
  batch.swap(delivering_);   // storage reused from the last round (Poll does not re-enter)
  demux_.TakeDirty(&batch);
  if (batch.empty()) {
    delivering_.swap(batch);
    return;
  }
  // Closed: the environment may be stopping; then nothing is delivered.
  bool open = !scope_ || scope_->Open();
  // Keep every transport alive while callbacks run: one of them may close another socket.
  for (Endpoint* e : batch) e->Hold();
  for (Endpoint* e : batch) {
    // A socket closed by an earlier callback of this round was taken off (Demux::Remove).
    if (!e->dirty) continue;
    e->dirty = false;
    if (open) e->Deliver();
  }
  if (scope_ && open) scope_->Close();
  for (Endpoint* e : batch) e->Unhold();
  batch.clear();
  delivering_.swap(batch);
}

const NextHop& Engine::Resolve(XskUdp* s, const IpAddr& dst) {
  uint64_t now = NowNs();
  NextHop& h = hops_[KeyOf(dst)];
  if (now < h.expires_ns) return h;
  h = NextHop{};
  h.expires_ns = now + kUnresolvedTtlNs;
  Route r;
  if (nl_.GetRoute(dst, &r) != 0) return h;
  // Local, broadcast, blackhole ... destinations: the kernel knows what to do.
  if (r.type != RTN_UNICAST && r.type != RTN_MULTICAST) return h;
  auto it = devs_.find(r.oif);
  if (it == devs_.end()) {
    h.expires_ns = now + kHopTtlNs;
    return h;
  }
  Device* dev = it->second.dev.get();
  if (std::find(s->devices().begin(), s->devices().end(), dev) == s->devices().end()) return h;
  h.src = r.prefsrc;
  if (dst.IsMulticast()) {
    h.mac = stack::MulticastMac(dst);
    h.confirmed = true;
  } else {
    Neigh n;
    const IpAddr& via = r.has_gateway ? r.gateway : dst;
    // No entry (or incomplete / failed): the kernel socket sends this datagram, queues it
    // until ARP / ND answers, and resolves the entry for the next ones.
    if (nl_.GetNeigh(r.oif, via, &n) != 0 || !n.Usable()) return h;
    h.mac = n.mac;
    h.confirmed = n.Confirmed();
    // Usable but not confirmed (STALE ...): the kernel never sees our XSK traffic, so nothing
    // would make it re-probe the entry. Tell it the entry is in use, as a sent packet would;
    // the MAC stays in use meanwhile, so datagrams keep their order on the XSK.
    if (!h.confirmed) nl_.UseNeigh(r.oif, via);
  }
  h.dev = dev;
  h.expires_ns = now + kHopTtlNs;
  return h;
}

}  // namespace ringsock::xdp
