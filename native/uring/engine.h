// The io_uring engine of one Node environment (DESIGN.md decisions 2-3). Read native/README.md.
//
// One ring per event loop, no SQPOLL. Its eventfd is watched by a uv_poll_t; a wake-up drains
// every CQE into per-socket batches (no JS), then calls JS once per socket, then submits every
// SQE the callbacks queued with one io_uring_submit. SQEs queued outside a wake-up (timers, main
// script, setImmediate) are submitted by a uv_prepare_t right before the loop blocks in poll.
#pragma once
#include <liburing.h>
#include <uv.h>
#include <string>
#include <unordered_set>
#include <vector>
#include "loop/poller.h"
#include "transport/delivery.h"
#include "uring/buf_ring.h"
#include "uring/rx_chunks.h"

namespace ringsock::uring {

class Engine;
class BufRing;
struct Core;

// Every SQE's user_data is the address of an Op (or 0 for cancels, whose CQEs are ignored).
// The Op lives inside its socket's Core (fixed ops) or is a send slot; either way the Core it
// names holds one reference per SQE in flight, so a CQE never finds freed memory.
enum OpKind : uint8_t { kRecv, kSend, kAccept, kConnect, kStreamSend, kPoll };
struct Op {
  OpKind kind;
  Core* core;
};

// Native state of one socket, outliving its JS object while CQEs are outstanding.
struct Core {
  Engine* engine;
  int fd = -1;
  int refs = 1;             // 1 while listed (open; dropped by close) + 1 per SQE in flight
                            // + 1 for the JS wrapper + 1 while queued for delivery
  int inflight = 0;         // SQEs whose last CQE has not been reaped
  bool listed = true;       // holds the "open" reference
  bool closed = false;      // close() ran: no JS callback fires any more
  bool refed = true;        // ref()/unref()
  bool holding = false;     // counted in Engine::holders_ (keeps the loop alive)
  bool queued = false;      // in the engine's delivery list for this wake-up

  explicit Core(Engine* e) : engine(e) {}
  virtual ~Core() = default;
  void Ref() { refs++; }
  void Unref() { if (--refs == 0) delete this; }
  // Call for every SQE prepared with one of this socket's ops as user_data.
  void Flight() { inflight++; refs++; }
  // Drops the "open" reference (close()).
  void Unlist() { if (listed) { listed = false; Unref(); } }
  // A multishot receive into the engine's buffer group `group` on behalf of `op`: prep(sqe)
  // fills the request (io_uring's prep helpers clear the flags, so the group is set after it).
  // 0, or -ENOMEM (no buffer ring) / -EAGAIN (no SQE).
  template <typename Prep>
  int ArmBufferedRecv(int group, Op* op, Prep prep);
  // Cancels the request `op` names (the cancel's own CQE carries user_data 0 and is skipped).
  void CancelOp(Op* op);

  // A CQE of one of this socket's ops. `more` = IORING_CQE_F_MORE. No JS here.
  virtual void OnCqe(Op* op, const io_uring_cqe* cqe) = 0;
  // Hands everything gathered since the last delivery to its owner. Only called while open.
  virtual void Deliver() = 0;
  // Whether this socket has something under way that should keep the loop alive (if ref'd).
  virtual bool Active() const = 0;
  // The engine is being destroyed (environment teardown, ring already gone): close the fd and
  // free what the in-flight SQEs held, without calling into JS.
  virtual void EngineGone() = 0;
  // A closed socket still sending what it had reported written (Engine::BeginDrain) took too
  // long: stop and close.
  virtual void GiveUpDrain() {}

  // Recomputes whether this socket keeps the loop alive.
  void SyncHold();
  // ref()/unref() of the JS socket: whether this socket keeps the loop alive.
  void SetRefed(bool on) { refed = on; SyncHold(); }
  // Marks this socket for delivery at the end of the current wake-up (or the next one).
  void Pending();
};

// One UDP datagram on its way out: the copied payload, its msghdr and destination.
struct SendSlot : Op {
  msghdr msg;
  iovec iov;
  sockaddr_storage addr;
  std::vector<char> data;
  int32_t req_id = 0;
};

struct Stats {
  uint64_t wakeups = 0, cqes = 0, enobufs = 0, rearms = 0, sq_full = 0, submits = 0, js_calls = 0;
  uint64_t rx_datagrams = 0, tx_datagrams = 0, rx_bytes = 0, tx_bytes = 0, truncated = 0;
  uint64_t accepts = 0, cq_overflow = 0, prepare_flushes = 0, spin_hits = 0, emfile_drops = 0;
};

class Engine final : public loop::Source {
 public:
  // A new engine on `loop`, lingering and busy-polling through `poller`. nullptr + *err if
  // io_uring fails. js/environment.h makes the one of each Node environment.
  static Engine* Create(uv_loop_t* loop, loop::Poller* poller, std::string* err);
  ~Engine();
  // Locked memory the ring and both buffer rings take (RLIMIT_MEMLOCK without CAP_IPC_LOCK).
  static size_t LockedBytes();
  // Proves the ring completes a request: one NOP submitted and waited for, at most timeout_ms.
  // 0, or -errno (io_uring_enter blocked: -EPERM / -ENOSYS; no completion in time: -ETIME).
  // Only before any socket uses the ring (the probe, right after Get).
  int NopRoundTrip(unsigned timeout_ms);

  bool busy_poll() const { return busy_poll_; }
  // loop::Source: one non-blocking look at the ring (the linger, the busy spin); handles what
  // is there and returns true if anything was.
  bool PollOnce() override;
  // A free SQE; submits to make room when the SQ is full. Arms the end-of-tick flush.
  io_uring_sqe* Sqe();
  // Submits everything queued now (used by close() so cancels run before the fd closes).
  void Submit();
  // Group 1: datagrams (512 x 64 KiB); group 3: stream reads (256 x 16 KiB). Created by the probe
  // (uring/probe.h), else on first use; nullptr + *err on failure.
  BufRing* Ring(int which, std::string* err);
  // Send slots are recycled through a free list; the engine owns them all.
  SendSlot* GetSlot();
  void PutSlot(SendSlot* s);
  void Track(Core* c) { cores_.insert(c); }
  void Untrack(Core* c) { cores_.erase(c); }
  void AddPending(Core* c);
  void SetDeliveryScope(transport::DeliveryScope* s) { scope_ = s; }
  // Closes the uv handles (the loop must run to finish uv_close); done(arg) once they are.
  void CloseHandles(void (*done)(void*), void* arg);
  // Delivery on the next loop turn, after this turn's setImmediate callbacks (check phase).
  void AddPendingNextTurn(Core* c);
  void Hold(bool on);
  // libuv's EMFILE trick (uv__emfile_trick): one descriptor held in reserve while a server
  // listens; when accept fails for lack of descriptors it is freed to accept and close the queued
  // connections, then taken again. 0 when the queue was emptied, else -errno to report.
  void ReserveFd();
  int EmfileTrick(int listen_fd);
  // Closed sockets whose written bytes still go out (as the kernel sends a closed socket's
  // buffer): each holds a reference, and a ref'd timer keeps the loop alive for at most
  // kDrainMs, then GiveUpDrain() ends the stragglers.
  void BeginDrain(Core* c);
  void EndDrain(Core* c);
  // Forces a wake-up (data stashed while a socket was paused became deliverable).
  void Kick();
  BlockPool* RxBlocks() { return &rx_blocks_; }  // TCP bytes waiting for JS (rx_chunks.h)
  Stats stats;

 private:
  Engine() = default;
  struct Handles;  // uv handles, freed by their close callbacks (they may outlive the Engine)
  static void OnPoll(uv_poll_t* h, int status, int events);
  static void OnPrepare(uv_prepare_t* h);
  static void OnDrainTimer(uv_timer_t* h);
  // from_spin: found by PollOnce, not by epoll; the eventfd's signal is left for later (below).
  void Wake(bool from_spin = false);
  unsigned Drain();
  // Teardown: cancels every request still in flight and reaps their last CQEs (at most
  // timeout_ms), so that no request holds a socket's file when the fds are closed.
  void CancelInFlight(unsigned timeout_ms);

  uv_loop_t* loop_ = nullptr;
  io_uring ring_{};
  bool ring_ok_ = false;
  int efd_ = -1;
  int reserve_fd_ = -1;
  BlockPool rx_blocks_;
  bool use_efd_ = false;
  loop::Poller* poller_ = nullptr;
  bool busy_poll_ = false;
  Handles* h_ = nullptr;
  BufRing* rings_[4] = {nullptr, nullptr, nullptr, nullptr};
  bool in_wake_ = false;
  bool prepare_armed_ = false;
  int holders_ = 0;
  transport::DeliveryScope* scope_ = nullptr;
  std::vector<Core*> pending_;
  std::vector<Core*> next_turn_;   // AddPendingNextTurn's, moved to pending_ when a wake ends
  std::vector<Core*> draining_;
  std::vector<SendSlot*> free_slots_;
  std::vector<SendSlot*> all_slots_;
  std::unordered_set<Core*> cores_;
};

template <typename Prep>
int Core::ArmBufferedRecv(int group, Op* op, Prep prep) {
  std::string err;
  BufRing* br = engine->Ring(group, &err);
  if (!br) return -ENOMEM;
  io_uring_sqe* sqe = engine->Sqe();
  if (!sqe) return -EAGAIN;
  prep(sqe);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = br->group();
  io_uring_sqe_set_data(sqe, op);
  Flight();
  engine->stats.rearms++;
  return 0;
}

}  // namespace ringsock::uring
