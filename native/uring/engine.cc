#include "uring/engine.h"
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include "common/memlock.h"
#include "uring/buf_ring.h"

namespace ringsock::uring {

// uv handles live apart from the Engine: CloseHandles closes them (the loop must run to finish
// uv_close), in Node from the environment's cleanup hook, before the Engine is destroyed.
struct Engine::Handles {
  uv_poll_t poll;
  uv_prepare_t prepare;
  uv_timer_t drain_timer;
  Engine* engine = nullptr;
  int open = 3;
  bool closing = false;
  void (*done)(void*) = nullptr;
  void* done_arg = nullptr;
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

Engine* Engine::Create(uv_loop_t* loop, loop::Poller* poller, std::string* err) {
  auto* e = new Engine();
  e->loop_ = loop;
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
  uv_poll_init(loop, &h->poll, e->use_efd_ ? e->efd_ : e->ring_.ring_fd);
  uv_prepare_init(loop, &h->prepare);
  uv_timer_init(loop, &h->drain_timer);
  h->drain_timer.data = h;
  h->poll.data = h;
  h->prepare.data = h;
  e->poller_ = poller;
  e->poller_->Add(e);
  // Busy polling needs the task-work flag (COOP_TASKRUN): without it a spin cannot see news.
  e->busy_poll_ = e->poller_->busy_poll() && (p.flags & IORING_SETUP_TASKRUN_FLAG);
  uv_poll_start(&h->poll, UV_READABLE, OnPoll);
  uv_unref(reinterpret_cast<uv_handle_t*>(&h->poll));  // ref'd only while sockets hold the loop
  uv_unref(reinterpret_cast<uv_handle_t*>(&h->prepare));
  e->h_ = h;
  return e;
}

void Engine::CloseHandles(void (*done_cb)(void*), void* arg) {
  Handles* h = h_;
  if (!h || h->closing) {
    if (done_cb) done_cb(arg);
    return;
  }
  h->closing = true;
  h->engine = nullptr;
  h->done = done_cb;
  h->done_arg = arg;
  h_ = nullptr;
  auto done = [](uv_handle_t* handle) {
    auto* hh = static_cast<Handles*>(handle->data);
    if (--hh->open > 0) return;
    if (hh->done) hh->done(hh->done_arg);
    delete hh;
  };
  uv_close(reinterpret_cast<uv_handle_t*>(&h->poll), done);
  uv_close(reinterpret_cast<uv_handle_t*>(&h->prepare), done);
  uv_close(reinterpret_cast<uv_handle_t*>(&h->drain_timer), done);
}

// A request in flight holds its socket's file, so the socket (and the port it is bound to)
// lives until the request is gone. io_uring_queue_exit does not cancel them: closing the ring
// leaves that to a kernel workqueue (io_ring_exit_work), which under CPU load runs milliseconds
// later. A worker whose bypass socket was still receiving ended, the main thread heard its
// 'exit' and bound the same port: EADDRINUSE (1-3 runs in 150 under load; node:dgram's bind
// callback then never runs, the error goes to its internal listener). So the engine cancels
// its requests itself and waits for their last CQEs: the cancellations complete as task work
// of this thread, inside io_uring_enter, and each request drops its file before its CQE is
// seen. The fds closed afterwards (Core::EngineGone) release their sockets at once.
void Engine::CancelInFlight(unsigned timeout_ms) {
  int left = 0;
  for (Core* c : cores_) left += c->inflight;
  if (left <= 0) return;
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  if (!sqe) {
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  if (!sqe) return;
  constexpr uint64_t kCancelAll = ~uint64_t(0);  // not an Op address: this loop's own CQE
  io_uring_prep_cancel64(sqe, 0, IORING_ASYNC_CANCEL_ANY);  // every request of the ring (5.19)
  io_uring_sqe_set_data64(sqe, kCancelAll);
  timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  bool submitted = false;
  while (left > 0) {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long spent_ms = (now.tv_sec - start.tv_sec) * 1000LL + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (spent_ms >= timeout_ms) break;
    long long wait_ms = timeout_ms - spent_ms;
    __kernel_timespec ts{wait_ms / 1000, (wait_ms % 1000) * 1000000LL};
    io_uring_cqe* cqe = nullptr;
    int rc = submitted ? io_uring_wait_cqe_timeout(&ring_, &cqe, &ts)
                       : io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    if (rc == -EINTR) continue;
    submitted = true;
    if (rc < 0 && rc != -ETIME) break;
    unsigned head, n = 0;
    bool refused = false;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      n++;
      if (cqe->user_data == kCancelAll) {
        refused = cqe->res < 0 && cqe->res != -ENOENT;   // an old kernel: EINVAL
      } else if (cqe->user_data != 0 && !(cqe->flags & IORING_CQE_F_MORE)) {
        left--;   // a request's last CQE; what it held is freed by EngineGone below
      }
    }
    io_uring_cq_advance(&ring_, n);
    if (refused) break;
  }
}

Engine::~Engine() {
  CloseHandles(nullptr, nullptr);
  if (poller_) poller_->Remove(this);
  if (ring_ok_) CancelInFlight(1000);
  if (ring_ok_) io_uring_queue_exit(&ring_);  // the kernel cancels whatever is left
  for (BufRing*& r : rings_) {
    if (!r) continue;
    r->RingGone();
    delete r;
    r = nullptr;
  }
  if (efd_ >= 0) close(efd_);
  if (reserve_fd_ >= 0) close(reserve_fd_);
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
  if (busy_poll_) poller_->WantSpin(this, holders_ > 0);
}

// A CQE, or the kernel's flag that task work (a completed receive, with COOP_TASKRUN) waits for
// this thread: handled at once, with no wake-up IPI, no epoll and no eventfd round.
bool Engine::PollOnce() {
  if (!h_) return false;  // handles closed: the environment is going away
  bool work = IO_URING_READ_ONCE(*ring_.sq.kflags) & IORING_SQ_TASKRUN;
  if (work) io_uring_get_events(&ring_);  // runs the task work: its CQEs appear
  if (!io_uring_cq_ready(&ring_) && pending_.empty()) return false;
  stats.spin_hits++;
  Wake(true);
  return true;
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
  if (!e->busy_poll_ && e->h_) e->poller_->Linger();
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
    // Callbacks may queue sends, close sockets or make other sockets pending; a few rounds pick
    // those up, the rest waits for the next wake.
    for (int round = 0; round < 4 && !pending_.empty(); round++) {
      std::vector<Core*> list;
      list.swap(pending_);
      // Closed: the environment may be stopping (a worker being terminated runs its loop once
      // more while it closes handles): then nothing is delivered.
      bool open = !scope_ || scope_->Open();
      for (Core* c : list) {
        c->queued = false;
        if (open && !c->closed) c->Deliver();
      }
      if (scope_ && open) scope_->Close();
      for (Core* c : list) {
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
    if (poller_->LoopHasWork()) break;
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

void Core::CancelOp(Op* op) {
  io_uring_sqe* sqe = engine->Sqe();
  if (!sqe) return;
  io_uring_prep_cancel(sqe, op, 0);
  io_uring_sqe_set_data64(sqe, 0);
}

void Core::Pending() {
  if (engine && !closed) engine->AddPending(this);
}


}  // namespace ringsock::uring
