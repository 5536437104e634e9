// The loop policy of one Node environment, written once for every engine: after a wake-up of
// any engine, keep looking at all of them for a while before the loop may sleep (linger); with
// RINGSOCK_BUSY_POLL=1, spin on all of them instead of sleeping while sockets hold the loop.
// Each engine keeps its own uv_poll (its fds differ) and is a Source here.
#pragma once
#include <uv.h>
#include <cstdint>
#include <vector>

namespace ringsock::loop {

class Source {
 public:
  // One non-blocking look at this source's rings: handles what is there (JS callbacks run),
  // true if anything was.
  virtual bool PollOnce() = 0;
  // Once per busy-poll turn, after the spin: work the source owes the kernel even when nothing
  // arrived (the xdp fill ring's wake-up).
  virtual void AfterSpin() {}

 protected:
  ~Source() = default;
};

class Poller {
 public:
  // js/environment.h makes the one of each Node environment.
  explicit Poller(uv_loop_t* loop);
  ~Poller();
  // Closes the idle handle (the loop must run to finish uv_close); done(arg) once it is.
  void CloseHandles(void (*done)(void*), void* arg);

  void Add(Source* s);
  void Remove(Source* s);
  bool busy_poll() const { return busy_poll_; }
  // Called by a source after it handled a wake-up (never when busy polling: the spin covers it).
  void Linger();
  // A source holds the loop (open, ref'd sockets) and wants the busy spin while it does.
  void WantSpin(Source* s, bool on);
  // The loop has work of its own for this turn (a setImmediate, a close callback, a due timer):
  // lingers and extra rounds stop so that it runs in libuv's order.
  bool LoopHasWork() const { return uv_backend_timeout(loop_) == 0; }

 private:
  struct IdleBox;  // the uv_idle_t, freed by its close callback (it may outlive the Poller)
  static void OnIdle(uv_idle_t* h);
  void Spin();
  void SyncIdle();

  uv_loop_t* loop_;
  IdleBox* box_ = nullptr;
  bool closed_ = false;
  bool idle_on_ = false;
  bool busy_poll_ = false;
  uint64_t linger_ns_ = 0;
  std::vector<Source*> sources_;
  std::vector<Source*> spinners_;
};

}  // namespace ringsock::loop
