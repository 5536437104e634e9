#include "loop/poller.h"
#include "common/cpu_relax.h"
#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace ringsock::loop {

namespace {
constexpr uint64_t kSpinNs = 50000;       // busy polling: spin per loop turn
constexpr uint64_t kLingerCapNs = 1000000;  // a linger never holds the loop longer than 1 ms
}  // namespace

struct Poller::IdleBox {
  uv_idle_t idle;  // first member: the close callback gets the box from the handle
  Poller* poller = nullptr;
  bool inited = false;
  void (*done)(void*) = nullptr;
  void* done_arg = nullptr;
};

Poller::Poller(uv_loop_t* loop) : loop_(loop) {
  const char* linger = getenv("RINGSOCK_LINGER_US");
  linger_ns_ = (linger && *linger ? strtoull(linger, nullptr, 10) : 20) * 1000;
  const char* busy = getenv("RINGSOCK_BUSY_POLL");
  busy_poll_ = busy && strcmp(busy, "1") == 0;
  box_ = new IdleBox();
  box_->poller = this;
}

Poller::~Poller() { CloseHandles(nullptr, nullptr); }

void Poller::CloseHandles(void (*done)(void*), void* arg) {
  closed_ = true;
  idle_on_ = false;
  IdleBox* box = box_;
  box_ = nullptr;
  if (box && box->inited) {
    box->poller = nullptr;
    box->done = done;
    box->done_arg = arg;
    uv_idle_stop(&box->idle);
    uv_close(reinterpret_cast<uv_handle_t*>(&box->idle), [](uv_handle_t* h) {
      auto* b = reinterpret_cast<IdleBox*>(h);
      if (b->done) b->done(b->done_arg);
      delete b;
    });
    return;
  }
  delete box;
  if (done) done(arg);
}

void Poller::Add(Source* s) {
  if (std::find(sources_.begin(), sources_.end(), s) == sources_.end()) sources_.push_back(s);
}

void Poller::Remove(Source* s) {
  sources_.erase(std::remove(sources_.begin(), sources_.end(), s), sources_.end());
  WantSpin(s, false);
}

void Poller::WantSpin(Source* s, bool on) {
  auto it = std::find(spinners_.begin(), spinners_.end(), s);
  if (on && it == spinners_.end()) spinners_.push_back(s);
  if (!on && it != spinners_.end()) spinners_.erase(it);
  SyncIdle();
}

void Poller::SyncIdle() {
  bool want = busy_poll_ && !spinners_.empty() && !closed_;
  if (want == idle_on_) return;
  if (!box_) return;  // torn down
  if (want && !box_->inited) {
    uv_idle_init(loop_, &box_->idle);
    box_->idle.data = box_;
    box_->inited = true;
  }
  idle_on_ = want;
  if (want) uv_idle_start(&box_->idle, OnIdle);
  else uv_idle_stop(&box_->idle);
}

void Poller::OnIdle(uv_idle_t* h) {
  Poller* p = static_cast<IdleBox*>(h->data)->poller;
  if (p) p->Spin();
}

// The idle handle keeps the loop from blocking; each turn spins here on every source's rings
// (a CQE, the kernel's task-work flag, an rx descriptor) and handles what it finds at once, with
// no wake-up IPI, epoll or eventfd round. Bounded, so timers, immediates and other handles wait
// at most kSpinNs per turn (plus the callbacks' own time).
void Poller::Spin() {
  uint64_t until = uv_hrtime() + kSpinNs;
  for (uint32_t i = 1;; i++) {
    bool hit = false;
    for (size_t k = 0; k < sources_.size(); k++) hit |= sources_[k]->PollOnce();
    if (hit) {
      if (!idle_on_) return;  // the last socket closed in a callback
      i = 0;
    }
    if ((i & 63) == 0 && uv_hrtime() >= until) break;
    CpuRelax();
  }
  for (size_t k = 0; k < sources_.size(); k++) sources_[k]->AfterSpin();
}

// After a wake-up, look at every source for linger_ns_ before the loop may sleep: a
// request/response peer usually sends its next message within that, and catching it here saves
// the sleep and the wake-up (task work -> IPI -> epoll -> eventfd, ~15 us on a VM). The clock
// restarts with each message found; the whole linger is capped at 1 ms so timers stay on time.
// It ends as soon as the loop has work of its own for this turn: under steady load the linger
// found a message every few microseconds and held a socket's close callback back for its 1 ms.
void Poller::Linger() {
  if (busy_poll_ || !linger_ns_ || LoopHasWork()) return;
  uint64_t now = uv_hrtime(), until = now + linger_ns_, stop = now + kLingerCapNs;
  for (uint32_t i = 1;; i++) {
    bool hit = false;
    for (size_t k = 0; k < sources_.size(); k++) hit |= sources_[k]->PollOnce();
    if (hit) {
      if (sources_.empty() || LoopHasWork()) return;
      now = uv_hrtime();
      until = now + linger_ns_;
      if (now >= stop) return;
    }
    if ((i & 15) == 0 && uv_hrtime() >= until) return;
    CpuRelax();
  }
}

}  // namespace ringsock::loop
