#include "uring/engine.h"
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include "common/cpu_relax.h"
#include "common/memlock.h"
#include "uring/buf_ring.h"

namespace ringsock::uring {

// uv handles live apart from the Engine: they are closed by an async cleanup hook (the loop must
// run to finish uv_close) that runs before the Addon (and so the Engine) is destroyed.
struct Engine::Handles {
  uv_poll_t poll;
  uv_prepare_t prepare;
  uv_idle_t idle;  // busy polling: keeps the loop from blocking while sockets are active
  uv_timer_t drain_timer;
  Engine* engine = nullptr;
  int open = 4;
  bool closing = false;
  napi_env env = nullptr;
  napi_async_cleanup_hook_handle hook = nullptr;
};

static constexpr unsigned kSqEntries = 4096;
static constexpr unsigned kCqEntries = 16384;

// Buffer groups (Engine::Ring). Datagram buffers are 64 KiB so that no datagram is ever cut (UDP
// carries up to 65,507 bytes; the header and source address take the rest); see Ring() for sizes.
static const struct { unsigned count; size_t size; } kShape[4] = {
    {0, 0},
    {512, 65536 + 256},  // datagrams
    {0, 0},              // (unused)
    {256, 16384},        // stream reads
};

size_t Engine::LockedBytes() {
  auto pages = [](size_t bytes) { return (bytes + 4095) & ~size_t(4095); };
  // What the kernel charges: the SQE array; the rings (header, CQEs, SQ index array); the buffer
  // rings' entry arrays (the buffers themselves are plain memory, never pinned).
  size_t bytes = pages(kSqEntries * sizeof(io_uring_sqe)) +
                 pages(4096 + kCqEntries * sizeof(io_uring_cqe) + kSqEntries * sizeof(unsigned));
  for (const auto& s : kShape) bytes += pages(s.count * sizeof(io_uring_buf));
  return bytes;
}

Engine* Engine::Get(Addon* addon, std::string* err) {
  if (addon->uring) return addon->uring;
  auto* e = new Engine();
  e->addon_ = addon;
  e->env_ = addon->env;
  io_uring_params p;
  memset(&p, 0, sizeof p);
  // No SQPOLL; no DEFER_TASKRUN (completions must signal the eventfd while we sleep in epoll).
  // COOP_TASKRUN (5.19): task work needs no IPI; a thread asleep in epoll_wait is still woken
  // (TWA_SIGNAL_NO_IPI wakes interruptible sleepers, epoll returns EINTR, the task work posts
  // the CQE and signals the eventfd). Measured here (udp_load, W=32): 58-70k vs 44-54k echoes/s without.
  // RINGSOCK_URING_COOP=0 turns it off.
  const char* coop = getenv("RINGSOCK_URING_COOP");
  // TASKRUN_FLAG: the kernel marks pending task work in the SQ flags, which the busy poll reads.
  unsigned flags[3] = {IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
                       IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL, IORING_SETUP_CQSIZE};
  int rc = -EINVAL;
  for (int i = (coop && coop[0] == '0') ? 1 : 0; i < 3 && rc == -EINVAL; i++) {  // older kernels
    memset(&p, 0, sizeof p);
    p.flags = flags[i];
    p.cq_entries = kCqEntries;
    rc = io_uring_queue_init_params(kSqEntries, &e->ring_, &p);
  }
  if (rc) {
    *err = "io_uring_queue_init (" + std::to_string(kSqEntries) + " SQ / " + std::to_string(kCqEntries) +
           " CQ entries) failed: " + strerror(-rc);
    std::string memlock = rc == -ENOMEM ? MemlockShortfall(LockedBytes()) : "";
    if (!memlock.empty()) *err += " (" + memlock + ")";
    delete e;
    return nullptr;
  }
  e->ring_ok_ = true;
  // How the loop learns about completions: uv_poll on an eventfd registered with
  // io_uring_register_eventfd (DESIGN.md decision 2). RINGSOCK_URING_WAKE=ring polls the ring fd
  // itself instead (readable while the CQ holds entries: no eventfd read per wake-up, no eventfd
  // signal per CQE); measured 2-8% more UDP echoes here, within noise: not the default yet.
  const char* linger = getenv("RINGSOCK_LINGER_US");
  e->linger_ns_ = (linger && *linger ? strtoull(linger, nullptr, 10) : 20) * 1000;
  const char* wake = getenv("RINGSOCK_URING_WAKE");
  e->use_efd_ = !(wake && strcmp(wake, "ring") == 0);
  if (e->use_efd_) {
    e->efd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (e->efd_ < 0 || (rc = io_uring_register_eventfd(&e->ring_, e->efd_)) != 0) {
      *err = std::string("io_uring eventfd registration failed: ") + strerror(e->efd_ < 0 ? errno : -rc);
      delete e;
      return nullptr;
    }
  }
  auto* h = new Handles();
  h->engine = e;
  h->env = e->env_;
  uv_poll_init(addon->loop, &h->poll, e->use_efd_ ? e->efd_ : e->ring_.ring_fd);
  uv_prepare_init(addon->loop, &h->prepare);
  uv_idle_init(addon->loop, &h->idle);
  uv_timer_init(addon->loop, &h->drain_timer);
  h->drain_timer.data = h;
  h->poll.data = h;
  h->prepare.data = h;
  h->idle.data = h;
  const char* busy = getenv("RINGSOCK_BUSY_POLL");
  // Busy polling needs the task-work flag (COOP_TASKRUN): without it a spin cannot see news.
  e->busy_poll_ = busy && strcmp(busy, "1") == 0 && (p.flags & IORING_SETUP_TASKRUN_FLAG);
  uv_poll_start(&h->poll, UV_READABLE, OnPoll);
  uv_unref(reinterpret_cast<uv_handle_t*>(&h->poll));  // ref'd only while sockets hold the loop
  uv_unref(reinterpret_cast<uv_handle_t*>(&h->prepare));
  e->h_ = h;
  napi_add_async_cleanup_hook(e->env_, OnCleanup, h, &h->hook);
  addon->uring = e;
  return e;
}

void Engine::OnCleanup(napi_async_cleanup_hook_handle handle, void* arg) {
  auto* h = static_cast<Handles*>(arg);
  h->hook = handle;
  if (h->engine) h->engine->CloseHandles();
}

void Engine::CloseHandles() {
  Handles* h = h_;
  if (!h || h->closing) return;
  h->closing = true;
  h->engine = nullptr;
  h_ = nullptr;
  auto done = [](uv_handle_t* handle) {
    auto* hh = static_cast<Handles*>(handle->data);
    if (--hh->open > 0) return;
    if (hh->hook) napi_remove_async_cleanup_hook(hh->hook);
    delete hh;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&h->poll), done);
  uv_close(reinterpret_cast<uv_handle_t*>(&h->prepare), done);
  uv_close(reinterpret_cast<uv_handle_t*>(&h->idle), done);
  uv_close(reinterpret_cast<uv_handle_t*>(&h->drain_timer), done);
}

Engine::~Engine() {
  CloseHandles();
  if (ring_ok_) io_uring_queue_exit(&ring_);  // the kernel cancels whatever was in flight
  for (BufRing*& r : rings_) {
    if (!r) continue;
    r->RingGone();
    delete r;
    r = nullptr;
  }
  if (efd_ >= 0) close(efd_);
  if (reserve_fd_ >= 0) close(reserve_fd_);
  read_area_.Forget();  // environment teardown: its references go with it
  for (SendSlot* s : all_slots_) delete s;
  std::vector<Core*> all(cores_.begin(), cores_.end());
  cores_.clear();
  std::unordered_set<Core*> draining(draining_.begin(), draining_.end());
  draining_.clear();
  for (Core* c : all) {
    int drop = c->inflight + (c->listed ? 1 : 0) + (c->queued ? 1 : 0) + (draining.count(c) ? 1 : 0);
    c->EngineGone();
    c->engine = nullptr;
    c->closed = true;
    c->inflight = 0;
    c->listed = false;
    c->queued = false;
    c->refs -= drop;
    if (c->refs <= 0) delete c;
  }
}

BufRing* Engine::Ring(int which, std::string* err) {
  if (rings_[which]) return rings_[which];
  // kShape (top of this file). Datagram buffers: the memory is mapped, not populated:
  // a small datagram touches one page of its buffer, so 512 buffers cost ~2 MiB resident for
  // small traffic. When all 512 are waiting to be recycled, the multishot ends with ENOBUFS and
  // the datagrams wait in the socket's receive queue until the re-arm: nothing is lost.
  // Stream reads: the kernel takes buffers round-robin, so the whole ring is the working set
  // it copies into and we copy out of. 256 x 16 KiB (4 MiB) ran a bulk receive at 0.97x builtin
  // here (median of 10 interleaved runs; never below 4.5 Gbit/s), 1024 (16 MiB) at 0.84x with
  // runs down to 2.7, 4096 at ~3.6 Gbit/s. More sockets reading at once than buffers end some
  // multishot recvs with ENOBUFS; they are re-armed at once and their bytes wait in the kernel.
  rings_[which] = BufRing::Create(&ring_, static_cast<uint16_t>(which), kShape[which].count,
                                  kShape[which].size, err);
  return rings_[which];
}

int Engine::NopRoundTrip(unsigned timeout_ms) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (!sqe) return -EBUSY;
  io_uring_prep_nop(sqe);
  io_uring_sqe_set_data64(sqe, 0);  // user_data 0: Drain skips it if it were ever left behind
  __kernel_timespec ts{timeout_ms / 1000, (timeout_ms % 1000) * 1000000LL};
  io_uring_cqe* cqe = nullptr;
  int rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
  if (rc < 0) return rc;
  if (!cqe) return -ETIME;
  int res = cqe->res;
  io_uring_cqe_seen(&ring_, cqe);
  return res < 0 ? res : 0;
}

SendSlot* Engine::GetSlot() {
  if (!free_slots_.empty()) {
    SendSlot* s = free_slots_.back();
    free_slots_.pop_back();
    return s;
  }
  auto* s = new SendSlot();
  s->kind = kSend;
  all_slots_.push_back(s);
  return s;
}

void Engine::PutSlot(SendSlot* s) {
  s->core = nullptr;
  if (s->data.capacity() > 65536) std::vector<char>().swap(s->data);
  free_slots_.push_back(s);
}

io_uring_sqe* Engine::Sqe() {
  io_uring_sqe* s = io_uring_get_sqe(&ring_);
  for (int i = 0; !s && i < 64; i++) {  // SQ full: submit and retry
    stats.sq_full++;
    io_uring_submit(&ring_);
    stats.submits++;
    s = io_uring_get_sqe(&ring_);
  }
  if (s && !in_wake_ && !prepare_armed_ && h_) {
    // Outside a wake-up: submit right before the loop next blocks (end of this tick).
    prepare_armed_ = true;
    uv_prepare_start(&h_->prepare, OnPrepare);
    uv_ref(reinterpret_cast<uv_handle_t*>(&h_->prepare));  // the loop must iterate once more
  }
  return s;
}

void Engine::Submit() {
  if (io_uring_sq_ready(&ring_) == 0) return;
  io_uring_submit(&ring_);
  stats.submits++;
}

void Engine::OnPrepare(uv_prepare_t* handle) {
  auto* h = static_cast<Handles*>(handle->data);
  uv_prepare_stop(handle);
  uv_unref(reinterpret_cast<uv_handle_t*>(handle));
  Engine* e = h->engine;
  if (!e) return;
  e->prepare_armed_ = false;
  e->stats.prepare_flushes++;
  e->Submit();
}

void Engine::Hold(bool on) {
  holders_ += on ? 1 : -1;
  if (!h_) return;
  if (on && holders_ == 1) uv_ref(reinterpret_cast<uv_handle_t*>(&h_->poll));
  if (!on && holders_ == 0) uv_unref(reinterpret_cast<uv_handle_t*>(&h_->poll));
  SyncSpin();
}

void Engine::SyncSpin() {
  if (!h_ || !busy_poll_) return;
  bool want = holders_ > 0 && !spun_by_other_;
  if (want == spinning_) return;
  spinning_ = want;
  if (want) uv_idle_start(&h_->idle, OnIdle);
  else uv_idle_stop(&h_->idle);
}

void Engine::SetSpunByOther(bool on) {
  spun_by_other_ = on;
  SyncSpin();
}

void Engine::OnIdle(uv_idle_t* handle) {
  auto* h = static_cast<Handles*>(handle->data);
  if (h->engine) h->engine->SpinPoll();
}

// RINGSOCK_BUSY_POLL=1: instead of sleeping in epoll until the eventfd fires, each loop turn
// spins (bounded) on the ring: a CQE, or the kernel's flag that task work (a completed receive,
// with COOP_TASKRUN) waits for this thread, is handled at once with no wake-up IPI, no epoll and
// no eventfd round. Timers, immediates and other handles wait at most kSpinNs per turn.
bool Engine::PollOnce() {
  bool work = IO_URING_READ_ONCE(*ring_.sq.kflags) & IORING_SQ_TASKRUN;
  if (work) io_uring_get_events(&ring_);  // runs the task work: its CQEs appear
  if (!io_uring_cq_ready(&ring_) && pending_.empty()) return false;
  stats.spin_hits++;
  Wake(true);
  return true;
}

void Engine::SpinPoll() {
  constexpr uint64_t kSpinNs = 50000;
  uint64_t until = uv_hrtime() + kSpinNs;
  for (uint32_t i = 1;; i++) {
    if (PollOnce()) {
      if (!spinning_) return;  // the last socket closed in a callback
      i = 0;
    }
    if ((i & 63) == 0 && uv_hrtime() >= until) break;
    CpuRelax();
  }
}

constexpr uint64_t kDrainMs = 2000;

void Engine::BeginDrain(Core* c) {
  c->Ref();
  draining_.push_back(c);
  if (draining_.size() == 1 && h_) uv_timer_start(&h_->drain_timer, OnDrainTimer, kDrainMs, 0);
}

void Engine::EndDrain(Core* c) {
  auto it = std::find(draining_.begin(), draining_.end(), c);
  if (it == draining_.end()) return;
  draining_.erase(it);
  if (draining_.empty() && h_) uv_timer_stop(&h_->drain_timer);
  c->Unref();
}

void Engine::OnDrainTimer(uv_timer_t* handle) {
  auto* h = static_cast<Handles*>(handle->data);
  Engine* e = h->engine;
  if (!e) return;
  std::vector<Core*> late = e->draining_;
  for (Core* c : late) {
    c->Ref();  // GiveUpDrain may end the drain (EndDrain drops its reference)
    c->GiveUpDrain();
    c->Unref();
  }
  e->Submit();
}

void Engine::ReserveFd() {
  if (reserve_fd_ < 0) reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

int Engine::EmfileTrick(int listen_fd) {
  if (reserve_fd_ < 0) {
    ReserveFd();  // a descriptor may have been freed since
    return -EMFILE;
  }
  close(reserve_fd_);
  reserve_fd_ = -1;
  int err;
  for (;;) {
    int c = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) {
      err = errno;
      if (err == EINTR || err == ECONNABORTED) continue;
      break;
    }
    close(c);
    stats.emfile_drops++;
  }
  ReserveFd();
  return (err == EAGAIN || err == EWOULDBLOCK) ? 0 : -err;
}

void Engine::AddPending(Core* c) {
  if (c->queued) return;
  c->queued = true;
  c->Ref();
  pending_.push_back(c);
  if (!in_wake_) Kick();
}

void Engine::AddPendingNextTurn(Core* c) {
  if (c->queued) return;
  c->queued = true;
  c->Ref();
  next_turn_.push_back(c);
}

void Engine::Kick() {
  if (use_efd_) {
    uint64_t one = 1;
    ssize_t n = write(efd_, &one, sizeof one);
    (void)n;
    return;
  }
  // A NOP's CQE (user_data 0, skipped by Drain) makes the ring fd readable.
  io_uring_sqe* s = io_uring_get_sqe(&ring_);
  if (!s) {
    io_uring_submit(&ring_);
    s = io_uring_get_sqe(&ring_);
  }
  if (!s) return;
  io_uring_prep_nop(s);
  io_uring_sqe_set_data64(s, 0);
  io_uring_submit(&ring_);
  stats.submits++;
}

void Engine::OnPoll(uv_poll_t* handle, int status, int events) {
  auto* h = static_cast<Handles*>(handle->data);
  if (!h->engine) return;
  Engine* e = h->engine;
  e->Wake();
  if (!e->linger_ns_ || e->spinning_ || e->spun_by_other_) return;
  // With bypass sockets open the xdp engine lingers for both: its rings must not wait behind
  // ours. Without, this engine lingers alone (TCP under KERNEL_BYPASS=1 had no linger at all).
  if (e->addon_->xdp && xdp::LingerAfterUringWake(e->addon_)) return;
  e->Linger();
}

// After a wake-up, keep looking at the ring for linger_ns_ before letting the loop sleep: a
// request/response peer usually sends its next message within that, and catching it here saves
// the sleep and the wake-up (task work -> IPI -> epoll -> eventfd), ~15 us on this VM. The clock
// restarts with each message found; the whole linger is capped at 1 ms so timers stay on time.
// It ends as soon as the loop has work of its own for this turn (uv_backend_timeout 0: a
// setImmediate, a handle's close callback - a socket's 'close' -, a due timer): under steady
// load the linger found a message every few microseconds and held those back for its full 1 ms.
// RINGSOCK_LINGER_US=0 turns it off (default 20).
void Engine::Linger() {
  uv_loop_t* loop = addon_->loop;
  if (uv_backend_timeout(loop) == 0) return;
  uint64_t now = uv_hrtime(), until = now + linger_ns_, stop = now + 1000000;
  for (uint32_t i = 1;; i++) {
    if (PollOnce()) {
      if (!h_ || uv_backend_timeout(loop) == 0) return;
      now = uv_hrtime();
      until = now + linger_ns_;
      if (now >= stop) return;
    }
    if ((i & 15) == 0 && uv_hrtime() >= until) return;
    CpuRelax();
  }
}

unsigned Engine::Drain() {
  unsigned total = 0;
  for (int round = 0; round < 16; round++) {
    unsigned head, n = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      n++;
      if (cqe->user_data == 0) continue;  // a cancel request's own completion
      Op* op = reinterpret_cast<Op*>(static_cast<uintptr_t>(cqe->user_data));
      Core* c = op->core;
      bool last = !(cqe->flags & IORING_CQE_F_MORE);
      c->OnCqe(op, cqe);  // may free `op` (send slots), never `c`
      if (last) {
        c->inflight--;
        c->SyncHold();
        c->Unref();
      }
    }
    io_uring_cq_advance(&ring_, n);
    total += n;
    if (IO_URING_READ_ONCE(*ring_.sq.kflags) & IORING_SQ_CQ_OVERFLOW) {
      // CQEs wait in the kernel's overflow list: entering with GETEVENTS flushes them to the CQ.
      stats.cq_overflow++;
      io_uring_enter(ring_.ring_fd, 0, 0, IORING_ENTER_GETEVENTS, nullptr);
      continue;
    }
    if (n == 0) break;
  }
  stats.cqes += total;
  return total;
}

void Engine::Wake(bool from_spin) {
  stats.wakeups++;
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  // Completions that the final submit produces inline (a send on a socket with room, usually)
  // are picked up by the next round of this same wake-up instead of a new trip through epoll.
  for (int iter = 0; iter < 3; iter++) {
    // A spin that found completions skips the first read: that syscall would sit between the
    // request and its reply. The read of the next round clears the signal all the same.
    if (use_efd_ && (iter > 0 || !from_spin)) {
      uint64_t v;
      ssize_t r = read(efd_, &v, sizeof v);  // before draining: a CQE posted later signals again
      (void)r;
    }
    in_wake_ = true;
    unsigned n = Drain();
    if (n == 0 && pending_.empty()) {
      in_wake_ = false;
      break;
    }
    // The environment may be stopping (a worker being terminated runs its loop once more while
    // it closes handles, before our cleanup hook): then JS cannot run, so nothing is delivered.
    void* probe_data;
    napi_value probe;
    bool js_ok = napi_create_arraybuffer(env_, 0, &probe_data, &probe) == napi_ok;
    if (!js_ok) {
      bool pending_exc = false;
      napi_is_exception_pending(env_, &pending_exc);
      if (pending_exc) {
        napi_value e;
        napi_get_and_clear_last_exception(env_, &e);
      }
      for (Core* c : pending_) {
        c->queued = false;
        c->Unref();
      }
      pending_.clear();
    }
    // One JS call (per kind of news) per socket. Callbacks may queue sends, close sockets or
    // make other sockets pending; a few rounds pick those up, the rest waits for the next wake.
    for (int round = 0; round < 4 && !pending_.empty(); round++) {
      std::vector<Core*> list;
      list.swap(pending_);
      for (Core* c : list) {
        c->queued = false;
        if (!c->closed && c->self) {
          napi_value obj;
          if (napi_get_reference_value(env_, c->self, &obj) == napi_ok && obj)
            c->Deliver(env, Napi::Object(env, obj));
        }
        c->SyncHold();
        c->Unref();
      }
    }
    in_wake_ = false;
    pending_.insert(pending_.end(), next_turn_.begin(), next_turn_.end());
    next_turn_.clear();
    if (!pending_.empty()) Kick();
    bool queued = io_uring_sq_ready(&ring_) > 0;
    Submit();
    if (!queued) break;  // nothing submitted: nothing can have completed inline
    // The loop has work of its own for this turn (a setImmediate, a socket's close callback):
    // it goes first; what the submit completed inline signals the eventfd and comes next turn.
    if (uv_backend_timeout(addon_->loop) == 0) break;
  }
}

// ---- Core helpers ----

void Core::SyncHold() {
  if (!engine) {
    holding = false;
    return;
  }
  bool want = engine && !closed && refed && Active();
  if (want == holding) return;
  holding = want;
  engine->Hold(want);
}

void Core::Pending() {
  if (engine && !closed) engine->AddPending(this);
}

void Core::ReleaseSelf(napi_env env) {
  if (!self) return;
  napi_delete_reference(env, self);
  self = nullptr;
}

}  // namespace ringsock::uring
