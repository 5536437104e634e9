// See engine.h.
#include "engine.h"

#include <errno.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <time.h>
#include <algorithm>
#include <cstring>
#include "common/cpu_relax.h"
#include "udp_socket.h"
#include "uring/engine.h"

namespace ringsock::xdp {

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
constexpr uint64_t kSpinNs = 50000;                  // busy polling: ring spin per loop turn

void OnPoll(uv_poll_t* h, int status, int events) {
  auto* e = static_cast<Engine*>(h->data);
  e->Poll();
  e->Linger();
}
void OnHostWatch(uv_poll_t* h, int status, int events) { static_cast<Engine*>(h->data)->HostChanged(); }
void OnIdle(uv_idle_t* h) { static_cast<Engine*>(h->data)->SpinPoll(); }
void OnKickTimer(uv_timer_t* h) { static_cast<Engine*>(h->data)->RetryKicks(); }
void FreeHandle(uv_handle_t* h) {
  if (h->type == UV_POLL) delete reinterpret_cast<uv_poll_t*>(h);
  else if (h->type == UV_TIMER) delete reinterpret_cast<uv_timer_t*>(h);
  else delete reinterpret_cast<uv_idle_t*>(h);
}

// Handles closed by Shutdown() count down here; the last one lets the environment go on.
struct ShutdownState {
  int open = 0;
  napi_async_cleanup_hook_handle hook = nullptr;
};
void ShutdownClosed(uv_handle_t* h) {
  auto* st = static_cast<ShutdownState*>(h->data);
  FreeHandle(h);
  if (--st->open > 0) return;
  napi_remove_async_cleanup_hook(st->hook);
  delete st;
}
}  // namespace

Engine::Engine(Addon* addon, std::string obj_path, int mode, bool busy_poll)
    : addon_(addon), obj_path_(std::move(obj_path)), mode_(mode), busy_poll_(busy_poll) {
  const char* linger = getenv("RINGSOCK_LINGER_US");
  linger_ns_ = (linger && *linger ? strtoull(linger, nullptr, 10) : 20) * 1000;
}

void Engine::Shutdown(napi_async_cleanup_hook_handle hook) {
  // Runs from an async cleanup hook, while the loop still runs and this addon is loaded (a
  // worker's last environment unloads it afterwards: close callbacks must be done by then).
  auto* st = new ShutdownState;
  st->hook = hook;
  for (auto* s : sockets_) s->EngineGone();
  sockets_.clear();
  by_port_.clear();
  dirty_.clear();
  tx_pending_.clear();
  hops_.clear();
  for (auto& kv : devs_) {
    for (uv_poll_t* p : kv.second.polls) {
      uv_poll_stop(p);
      p->data = st;
      st->open++;
      uv_close(reinterpret_cast<uv_handle_t*>(p), ShutdownClosed);
    }
    kv.second.polls.clear();
    kv.second.dev->Close();
  }
  devs_.clear();
  rxq_.clear();
  if (idle_) {
    uv_idle_stop(idle_);
    idle_->data = st;
    st->open++;
    uv_close(reinterpret_cast<uv_handle_t*>(idle_), ShutdownClosed);
    idle_ = nullptr;
  }
  if (watch_poll_) {
    uv_poll_stop(watch_poll_);
    watch_poll_->data = st;
    st->open++;
    uv_close(reinterpret_cast<uv_handle_t*>(watch_poll_), ShutdownClosed);
    watch_poll_ = nullptr;
  }
  if (kick_timer_) {
    uv_timer_stop(kick_timer_);
    kick_timer_->data = st;
    st->open++;
    uv_close(reinterpret_cast<uv_handle_t*>(kick_timer_), ShutdownClosed);
    kick_timer_ = nullptr;
  }
  if (st->open == 0) {
    napi_remove_async_cleanup_hook(hook);
    delete st;
  }
}

Engine::~Engine() {
  // Normally Shutdown() ran first and nothing is left here.
  tearing_down_ = true;
  for (auto* s : sockets_) s->EngineGone();
  std::vector<int> ids;
  for (auto& kv : devs_) ids.push_back(kv.first);
  for (int id : ids) CloseDevice(id);
  if (idle_) {
    uv_idle_stop(idle_);
    idle_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(idle_), nullptr);
  }
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
}

int Engine::Attach(UdpSocket* s, const std::vector<IfInfo>& ifaces, std::string* why) {
  std::vector<int> opened;
  std::string shared;   // interfaces another ringsock process bypasses: the kernel serves them
  for (const IfInfo& info : ifaces) {
    auto it = devs_.find(info.index);
    if (it == devs_.end()) {
      auto dev = std::make_unique<Device>();
      std::string reason;
      int err = dev->Open(obj_path_, info, mode_, busy_poll_, &reason);
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
        uv_poll_init(addon_->loop, p, q->fd());
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
      err = it->second.dev->steer().AddPort(stack::kProtoUdp, s->port(), f);
      if (err) break;
      added.push_back(f);
    }
    if (err) {
      *why = "cannot add port " + std::to_string(s->port()) + " to the XDP port map: " + strerror(-err);
      for (uint8_t f : added) it->second.dev->steer().RemovePort(stack::kProtoUdp, s->port(), f);
      for (Device* d : s->devices())
        for (uint8_t f : s->Families()) d->steer().RemovePort(stack::kProtoUdp, s->port(), f);
      s->devices().clear();
      for (int id : opened) CloseDevice(id);
      return err;
    }
    it->second.users++;
    s->devices().push_back(it->second.dev.get());
  }
  if (!shared.empty()) {
    *why = shared + ": port " + std::to_string(s->port()) + "/udp is marked shared there, its frames go to the kernel (to both processes)";
    if (s->devices().empty()) return -EALREADY;   // nothing bypassed: a kernel (io_uring) socket
  }
  by_port_[s->port()].push_back(s);
  sockets_.push_back(s);
  hops_.clear();   // a new device changes which destinations leave on an XSK
  RefChanged();
  return 0;
}

void Engine::Detach(UdpSocket* s) {
  for (Device* d : s->devices()) {
    for (uint8_t f : s->Families()) d->steer().RemovePort(stack::kProtoUdp, s->port(), f);
    int id = d->info().index;
    auto it = devs_.find(id);
    if (it != devs_.end() && --it->second.users <= 0) CloseDevice(id);
  }
  s->devices().clear();
  auto& v = by_port_[s->port()];
  v.erase(std::remove(v.begin(), v.end(), s), v.end());
  if (v.empty()) by_port_.erase(s->port());
  sockets_.erase(std::remove(sockets_.begin(), sockets_.end(), s), sockets_.end());
  // A socket closed from inside a delivery is skipped by Deliver (it checks dirty).
  dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), s), dirty_.end());
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
  if (!busy_poll_) return;
  if (!idle_) {
    idle_ = new uv_idle_t;
    uv_idle_init(addon_->loop, idle_);
    idle_->data = this;
  }
  // The idle handle keeps the loop from blocking: the loop spins on the rings.
  bool want = any && !devs_.empty();
  if (want && !idle_on_) uv_idle_start(idle_, OnIdle);
  if (!want && idle_on_) uv_idle_stop(idle_);
  idle_on_ = want;
  // The kernel half's io_uring is polled inside this spin instead of by a second one.
  if (addon_->uring) addon_->uring->SetSpunByOther(want);
}

void Engine::MarkTxPending(Queue* q) {
  if (std::find(tx_pending_.begin(), tx_pending_.end(), q) == tx_pending_.end()) tx_pending_.push_back(q);
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
    uv_timer_init(addon_->loop, kick_timer_);
    kick_timer_->data = this;
    // Frames left in a ring do not keep the process alive by themselves (sockets do).
    uv_unref(reinterpret_cast<uv_handle_t*>(kick_timer_));
  }
  if (stuck) uv_timer_start(kick_timer_, OnKickTimer, 1, 1);
  else uv_timer_stop(kick_timer_);
  kick_timer_on_ = stuck;
}

void Engine::MarkDirty(UdpSocket* s) {
  if (s->dirty) return;
  s->dirty = true;
  dirty_.push_back(s);
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
  uv_poll_init(addon_->loop, watch_poll_, host_watch_.fd());
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
    kv.second.dev->steer().SyncLocal(local);
  }
}

void Engine::Dispatch(DevEntry& e, const uint8_t* frame, uint32_t len) {
  stack::UdpView v;
  Verdict verdict = stack::ParseUdp(frame, len, &v);
  e.counters.verdicts[size_t(verdict)]++;
  if (verdict != Verdict::kOk) return;
  const IfInfo& info = e.dev->info();
  // What the kernel would not deliver is not delivered here either (stack/admit.h).
  stack::Refusal refusal = stack::Admit(v, info.mac, v.dst.family == 4 ? e.facts->conf4() : e.facts->conf6(),
                                        *e.facts);
  if (refusal != stack::Refusal::kNone) {
    e.counters.refusals[size_t(refusal)]++;
    return;
  }
  auto it = by_port_.find(v.dport);
  if (it == by_port_.end()) {
    e.counters.no_socket++;
    return;
  }
  // Unicast: the socket bound to the exact address wins over a wildcard one (like the kernel's
  // udp lookup scoring). Multicast/broadcast: every socket that accepts it (SO_REUSEADDR).
  bool multi = v.dst.IsMulticast() || e.facts->IsSubnetBroadcast(v.dst) ||
               (v.dst.family == 4 && v.dst.b[0] == 255 && v.dst.b[1] == 255 && v.dst.b[2] == 255 && v.dst.b[3] == 255);
  UdpSocket* best = nullptr;
  bool delivered = false;
  for (UdpSocket* s : it->second) {
    if (!s->Accepts(v)) continue;
    if (multi) {
      s->Append(v, e.dev->info().name);
      MarkDirty(s);
      delivered = true;
    } else if (!best || (best->wildcard() && !s->wildcard())) {
      best = s;
    }
  }
  if (best) {
    best->Append(v, e.dev->info().name);
    MarkDirty(best);
    delivered = true;
  }
  if (!delivered) e.counters.no_socket++;
}

void Engine::SpinPoll() {
  // A libuv iteration (timers, epoll_pwait(0), io_uring submit, our recvfrom) costs a few
  // microseconds; spinning on the ring indexes in between answers a frame within nanoseconds.
  // Frames found during the spin are handled here and the spin goes on: returning to libuv
  // after each one put a loop turn (epoll_pwait, whose xsk_poll also tries a copy-mode
  // transmit) between a reply's kick and the moment the next request is seen. Bounded, so
  // timers, immediates and the kernel sockets' completions wait at most kSpinNs (plus the
  // callbacks' own time).
  uint64_t until = NowNs() + kSpinNs;
  for (uint32_t i = 1;; i++) {
    bool ready = false;
    for (Queue* q : rxq_) ready |= q->RxReady();
    if (ready) {
      Poll();
      if (!idle_on_ || rxq_.empty()) return;   // the last socket closed in a callback
      i = 0;
    }
    uring::Engine* u = addon_->uring;
    if (u && u->PollOnce()) {
      if (!idle_on_ || rxq_.empty()) return;
      i = 0;
    }
    if ((i & 63) == 0 && NowNs() >= until) break;
    CpuRelax();
  }
  // Once per turn: the syscall path (NAPI drive when busy polling, fill ring wake-up) and
  // completions, even when nothing arrived.
  Poll();
}

// See addon.h: an io_uring wake-up lingers here while bypass sockets are open.
bool LingerAfterUringWake(Addon* addon) {
  Engine* x = addon->xdp;
  if (!x || !x->has_queues()) return false;
  x->Linger();   // returns at once when busy polling: the spin already covers both
  return true;
}

// Without busy polling: after a wake-up, keep looking at the rings (and the kernel half's
// io_uring) for linger_ns_ before the loop may sleep; the clock restarts with each frame, the
// whole linger is capped at 1 ms. A peer's next request is then handled without a wake-up.
// As uring::Engine::Linger, it ends when the loop has work of its own for this turn
// (setImmediate, close callbacks, due timers).
void Engine::Linger() {
  if (busy_poll_ || !linger_ns_ || rxq_.empty()) return;
  uv_loop_t* loop = addon_->loop;
  if (uv_backend_timeout(loop) == 0) return;
  uint64_t now = NowNs(), until = now + linger_ns_, stop = now + 1000000;
  for (uint32_t i = 1;; i++) {
    bool hit = false;
    bool ready = false;
    for (Queue* q : rxq_) ready |= q->RxReady();
    if (ready) {
      Poll();
      hit = true;
    }
    uring::Engine* u = addon_->uring;
    if (u && u->PollOnce()) hit = true;
    if (hit) {
      if (rxq_.empty()) return;  // the last socket closed in a callback
      if (uv_backend_timeout(loop) == 0) return;
      now = NowNs();
      until = now + linger_ns_;
      if (now >= stop) return;
    }
    if ((i & 15) == 0 && NowNs() >= until) return;
    CpuRelax();
  }
}

void Engine::Poll() {
  if (in_poll_) return;   // a JS callback that re-enters the loop (it should not) finds it busy
  in_poll_ = true;
  RefreshHostFacts(NowNs());
  for (auto& kv : devs_) {
    DevEntry& e = kv.second;
    for (auto& q : e.dev->queues()) {
      uint32_t total = 0, n;
      do {
        n = q->RxBurst(kBurst, [&](const uint8_t* f, uint32_t len) { Dispatch(e, f, len); });
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
  if (dirty_.empty()) return;
  Napi::Env env = addon_->env;
  Napi::HandleScope scope(env);
  std::vector<UdpSocket*> batch;
  batch.swap(delivering_);   // storage reused from the last round (Poll does not re-enter)
  batch.swap(dirty_);        // dirty_ gets the (empty) old one
  // Keep every wrapper alive while callbacks run: one of them may close another socket.
  for (UdpSocket* s : batch) s->Hold();
  for (UdpSocket* s : batch) {
    if (s->dirty) {
      s->dirty = false;
      s->Deliver(env);
    }
  }
  for (UdpSocket* s : batch) s->Release();
  batch.clear();
  delivering_.swap(batch);
}

const NextHop& Engine::Resolve(UdpSocket* s, const IpAddr& dst) {
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

Napi::Object Engine::Stats(Napi::Env env) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Object ifs = Napi::Object::New(env);
  for (auto& kv : devs_) {
    DevEntry& e = kv.second;
    Device* d = e.dev.get();
    Napi::Object o = Napi::Object::New(env);
    o.Set("mode", d->steer().native() ? "native" : "generic");
    uint64_t c[RS_STAT_MAX];
    d->steer().Counters(c);
    Napi::Object bpf = Napi::Object::New(env);
    bpf.Set("redirected", double(c[RS_STAT_REDIRECT]));
    bpf.Set("passed", double(c[RS_STAT_PASS]));
    bpf.Set("fragments_passed", double(c[RS_STAT_FRAG_PASS]));
    bpf.Set("options_passed", double(c[RS_STAT_OPTS_PASS]));
    bpf.Set("no_xsk", double(c[RS_STAT_NO_XSK]));
    bpf.Set("not_local_passed", double(c[RS_STAT_NOT_LOCAL_PASS]));
    o.Set("bpf", bpf);
    Napi::Object m = Napi::Object::New(env);
    uint64_t malformed = 0;
    for (size_t i = 0; i < size_t(Verdict::kCount); i++) {
      Verdict v = Verdict(i);
      if (v == Verdict::kOk || v == Verdict::kNotIp || v == Verdict::kNotUdp) continue;
      m.Set(stack::VerdictName(v), double(e.counters.verdicts[i]));
      malformed += e.counters.verdicts[i];
    }
    o.Set("malformed", double(malformed));
    o.Set("malformed_by_reason", m);
    o.Set("valid", double(e.counters.verdicts[size_t(Verdict::kOk)]));
    o.Set("not_udp", double(e.counters.verdicts[size_t(Verdict::kNotIp)] + e.counters.verdicts[size_t(Verdict::kNotUdp)]));
    o.Set("no_socket", double(e.counters.no_socket));
    Napi::Object refused = Napi::Object::New(env);
    uint64_t refused_total = 0;
    for (size_t i = 1; i < size_t(stack::Refusal::kCount); i++) {
      refused.Set(stack::RefusalName(stack::Refusal(i)), double(e.counters.refusals[i]));
      refused_total += e.counters.refusals[i];
    }
    o.Set("refused", double(refused_total));
    o.Set("refused_by_reason", refused);
    Napi::Array qs = Napi::Array::New(env);
    uint32_t i = 0;
    for (auto& q : d->queues()) {
      xdp_statistics st;
      q->Statistics(&st);
      Napi::Object qo = Napi::Object::New(env);
      qo.Set("queue", q->id());
      qo.Set("zerocopy", q->zerocopy());
      qo.Set("copy_mode", q->zerocopy() ? "zerocopy" : "copy");
      qo.Set("rx", double(q->counters.rx));
      qo.Set("tx", double(q->counters.tx));
      qo.Set("tx_full", double(q->counters.tx_full));
      qo.Set("kicks", double(q->counters.kicks));
      qo.Set("rekicks", double(q->counters.rekicks));
      qo.Set("tx_backlog", q->TxBacklog());
      qo.Set("busy_retries", q->busy_retries);
      qo.Set("rx_dropped", double(st.rx_dropped));
      qo.Set("rx_invalid", double(st.rx_invalid_descs));
      qo.Set("tx_invalid", double(st.tx_invalid_descs));
      qo.Set("rx_ring_full", double(st.rx_ring_full));
      qo.Set("fill_ring_empty", double(st.rx_fill_ring_empty_descs));
      qo.Set("tx_ring_empty", double(st.tx_ring_empty_descs));
      qs.Set(i++, qo);
    }
    o.Set("queues", qs);
    ifs.Set(d->info().name, o);
  }
  out.Set("interfaces", ifs);
  out.Set("busyPoll", busy_poll_);
  return out;
}

}  // namespace ringsock::xdp
