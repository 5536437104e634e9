// The io_uring stream transport (transport/stream.h) for kernel TCP: multishot accept and
// multishot recv (stream buffer ring), IORING_OP_CONNECT, one sendmsg in flight per socket
// gathering every queued write (order kept, partial writes resumed), shutdown(2) after the queue
// drains (not IORING_OP_SHUTDOWN: see IssueShutdown). Options follow libuv's src/unix/tcp.c.
// No N-API here: native/js/tcp_socket.cc is the JS class over any stream transport.
#include "uring/tcp_transport.h"
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstring>
#include <deque>
#include <string>
#include <vector>
#include "common/errno.h"
#include "transport/completions.h"
#include "transport/stream.h"
#include "uring/buf_ring.h"
#include "uring/engine.h"
#include "uring/fd_options.h"

namespace ringsock::uring {

using transport::StreamOwner;
using transport::StreamWrite;

constexpr int kRingStream = 3;
constexpr size_t kMaxIov = 256;

struct TcpTransport final : Core, transport::StreamTransport {
  int family = 0;  // AF_INET/AF_INET6, 0 until bind/connect decides
  int delayed_error = 0;  // libuv reports bind's EADDRINUSE from listen/connect
  bool listening = false, reading = false, read_armed = false, accept_armed = false;
  bool connecting = false, ended = false;
  // Opened from a duplicate: other processes may accept on the same socket (a cluster primary's
  // shared socket, SCHED_NONE). io_uring waits for a connection as an exclusive waiter, and a
  // multishot accept keeps its place at the head of the socket's wait queue: it would take every
  // connection. One accept at a time, re-armed after each, goes to the back: the workers take turns.
  bool accept_one_at_a_time = false;
  bool send_inflight = false, shutdown_wanted = false, shut = false;
  // Closed while writes it had reported done were still queued: they go out first (as the
  // kernel sends a closed socket's buffer), then the fd closes. give_up: stop at the next CQE.
  bool draining = false, give_up = false;
  Op recv_op{kRecv, this}, accept_op{kAccept, this}, connect_op{kConnect, this};
  Op send_op{kStreamSend, this};
  Op poll_op{kPoll, this};  // listening socket readable (waiting out EMFILE)
  sockaddr_storage peer{};
  msghdr smsg{};
  std::vector<iovec> siov;
  std::deque<StreamWrite> wq;
  StreamOwner* owner = nullptr;
  size_t wq_bytes = 0;  // bytes queued and not yet taken by the kernel
  // The batch for the next delivery.
  RxChunks rx;  // received, not yet handed to JS
  int rx_end = 0;  // UV_EOF or -errno, delivered after rx
  std::vector<int> accepted;  // fd, or -errno of a failed accept
  bool has_connect = false, has_shutdown = false;
  int connect_status = 0, shutdown_status = 0;
  transport::Completions done;
  transport::Counters ctr;  // this socket's share of engine->stats (ringsock.stats())

  explicit TcpTransport(Engine* e) : Core(e) { e->Track(this); }
  ~TcpTransport() override {
    if (engine) engine->Untrack(this);
    if (fd >= 0) ::close(fd);
    for (int a : accepted)
      if (a >= 0) ::close(a);
    DropAllPins(engine != nullptr);
  }

  // can_unpin false: the environment is going away and frees what the pins held itself.
  void DropAllPins(bool can_unpin) {
    for (StreamWrite& w : wq) Unpin(w, can_unpin);
  }
  void Unpin(StreamWrite& w, bool can_unpin = true) {
    if (w.pin && can_unpin && engine && w.unpin) w.unpin(w.pin);
    w.pin = nullptr;
  }

  int EnsureFd(int fam) {
    if (fd >= 0) return 0;
    if (closed) return -EBADF;
    fd = socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return NegErrno();
    family = fam;
    return 0;
  }

  int ArmAccept() {
    engine->ReserveFd();
    io_uring_sqe* sqe = engine->Sqe();
    if (!sqe) return -EAGAIN;
    if (accept_one_at_a_time) io_uring_prep_accept(sqe, fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    else io_uring_prep_multishot_accept(sqe, fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    io_uring_sqe_set_data(sqe, &accept_op);
    Flight();
    accept_armed = true;
    engine->stats.rearms++;
    return 0;
  }

  int ArmAcceptPoll() {
    io_uring_sqe* sqe = engine->Sqe();
    if (!sqe) return -EAGAIN;
    io_uring_prep_poll_add(sqe, fd, POLLIN);
    io_uring_sqe_set_data(sqe, &poll_op);
    Flight();
    accept_armed = true;
    return 0;
  }

  // Flow control: JS takes one block per delivery round, and a multishot recv drains the kernel
  // faster than that, so without a bound rx held everything a fast sender sent (900 MB in 3 s of
  // a loopback bulk send) and the kernel's window never closed. Above kRxHigh bytes the recv is
  // cancelled; it is armed again once JS has taken rx below kRxLow.
  static constexpr size_t kRxHigh = 1 << 20, kRxLow = 256 << 10;
  bool RxFull() const { return rx.bytes() >= kRxHigh; }

  int ArmRecv() {
    int rc = ArmBufferedRecv(kRingStream, &recv_op, [this](io_uring_sqe* sqe) {
      io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
    });
    if (!rc) read_armed = true;
    return rc;
  }

  // Writes with nothing left to send (empty ones) complete without a syscall.
  void CompleteFinished() {
    while (!wq.empty() && wq.front().done == wq.front().bytes) {
      ctr.tx_messages++;
      if (wq.front().id) {  // 0: completed early at write(), nothing to report
        done.Add(wq.front().id, 0);
        Pending();
      }
      Unpin(wq.front());
      wq.pop_front();
    }
  }

  // One sendmsg gathering the queue from where the kernel stopped; the next one goes out when
  // this one completes, so bytes leave in order and a partial write just resumes.
  void IssueSend() {
    if (send_inflight || (closed && !draining) || fd < 0) return;
    CompleteFinished();
    if (wq.empty()) {
      if (shutdown_wanted && !shut) IssueShutdown();
      return;
    }
    siov.clear();
    for (StreamWrite& w : wq) {
      size_t skip = w.done;
      for (const iovec& v : w.iov) {
        if (skip >= v.iov_len) {
          skip -= v.iov_len;
          continue;
        }
        siov.push_back({static_cast<char*>(v.iov_base) + skip, v.iov_len - skip});
        skip = 0;
        if (siov.size() == kMaxIov) break;
      }
      if (siov.size() == kMaxIov) break;
    }
    io_uring_sqe* sqe = engine->Sqe();
    if (!sqe) return;  // retried when the next write or completion comes
    memset(&smsg, 0, sizeof smsg);
    smsg.msg_iov = siov.data();
    smsg.msg_iovlen = siov.size();
    io_uring_prep_sendmsg(sqe, fd, &smsg, MSG_NOSIGNAL);
    io_uring_sqe_set_data(sqe, &send_op);
    Flight();
    send_inflight = true;
  }

  // shutdown(2) right here, not IORING_OP_SHUTDOWN: that op is always punted to io-wq, which
  // looks the fd number up only when a worker runs it. If the socket is closed first (Node may
  // destroy right after end()), the number can already name the next socket, whose write side
  // would be shut (seen as a stray EPIPE). SHUT_WR on TCP never blocks, as in libuv's uv_shutdown.
  void IssueShutdown() {
    int rc = ::shutdown(fd, SHUT_WR);
    shut = true;
    has_shutdown = true;
    shutdown_status = rc ? NegErrno() : 0;
    Pending();  // delivered at the end of this wake-up, or through a kick of the eventfd
  }

  void OnSend(int res) {
    send_inflight = false;
    if (closed && (!draining || res < 0 || give_up)) {
      if (draining) FinishDrain();
      DropAllPins(true);
      wq.clear();
      return;
    }
    if (res < 0) {  // the connection is broken: every queued write fails with it
      ctr.errors++;
      bool early = false;
      for (StreamWrite& w : wq) {
        if (w.id) {
          done.Add(w.id, res);
        } else {
          early = true;
        }
        Unpin(w);
      }
      if (early) {  // writes already reported done learn the failure once, as request 0
        done.Add(0, res);
      }
      wq.clear();
      wq_bytes = 0;
      Pending();
      return;
    }
    engine->stats.tx_bytes += res;
    ctr.tx_bytes += res;
    size_t left = static_cast<size_t>(res);
    wq_bytes -= left;
    for (StreamWrite& w : wq) {
      size_t take = std::min(left, w.bytes - w.done);
      w.done += take;
      left -= take;
      if (!left) break;
    }
    CompleteFinished();
    IssueSend();
    if (draining && !send_inflight) FinishDrain();  // all out
  }

  // The end of a drain: the fd closes (pending recv/accept were cancelled at close()).
  void FinishDrain() {
    draining = false;
    if (fd >= 0) ::close(fd);
    fd = -1;
    wq_bytes = 0;
    if (engine) engine->EndDrain(this);  // never the last reference: the caller holds one
  }

  void GiveUpDrain() override {
    if (!draining) return;
    give_up = true;
    if (send_inflight) {
      CancelOp(&send_op);  // its buffers stay until its CQE; OnSend then finishes
    } else {
      DropAllPins(true);
      wq.clear();
      FinishDrain();
    }
  }

  void OnRecv(const io_uring_cqe* cqe) {
    if (!(cqe->flags & IORING_CQE_F_MORE)) read_armed = false;
    int res = cqe->res;
    if (cqe->flags & IORING_CQE_F_BUFFER) {
      unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
      std::string err;
      BufRing* br = engine->Ring(kRingStream, &err);
      if (res > 0 && !closed) {
        rx.Append(engine->RxBlocks(), br->Buf(bid), static_cast<size_t>(res));
        engine->stats.rx_bytes += res;
        ctr.rx_messages++;
        ctr.rx_bytes += res;
        if (read_armed && RxFull()) CancelOp(&recv_op);
      }
      br->Recycle(bid);
    }
    if (res == 0) {
      rx_end = kUvEof;
      ended = true;
    } else if (res == -ENOBUFS) {
      engine->stats.enobufs++;
    } else if (res < 0 && res != -ECANCELED) {
      ctr.errors++;
      rx_end = res;
      ended = true;
    }
    if (closed) return;
    if (!read_armed && reading && !ended && !RxFull()) ArmRecv();
    if (reading && (!rx.empty() || rx_end)) Pending();
  }

  void OnCqe(Op* op, const io_uring_cqe* cqe) override {
    switch (op->kind) {
      case kRecv:
        return OnRecv(cqe);
      case kStreamSend:
        return OnSend(cqe->res);
      case kAccept:
        if (!(cqe->flags & IORING_CQE_F_MORE)) accept_armed = false;
        if (closed) {
          if (cqe->res >= 0) ::close(cqe->res);
          return;
        }
        if (cqe->res == -EMFILE || cqe->res == -ENFILE) {
          // Out of descriptors. io_uring takes the new fd before it looks for a connection, so
          // an accept armed now fails again at once (a spin). libuv's trick drops what is queued
          // with the reserve fd (silent when that emptied the queue, as Node is); then a poll,
          // which needs no fd, waits for the next connection before accept is tried again.
          int err = engine->EmfileTrick(fd);
          if (err) {
            ctr.errors++;
            accepted.push_back(err);
            Pending();
          }
          if (!accept_armed && listening) ArmAcceptPoll();
          return;
        } else if (cqe->res != -ECANCELED && cqe->res != -ECONNABORTED) {
          if (cqe->res >= 0) engine->stats.accepts++;
          else ctr.errors++;
          accepted.push_back(cqe->res);
          Pending();
        }
        if (!accept_armed && listening) ArmAccept();
        return;
      case kPoll:  // a connection is queued again after EMFILE: try accepting it
        accept_armed = false;
        if (!closed && listening) ArmAccept();
        return;
      case kConnect:
        connecting = false;
        if (closed) return;
        has_connect = true;
        connect_status = cqe->res;
        Pending();
        return;
      default:
        return;
    }
  }

  // The engine's delivery point: the owner takes the news (js/tcp_socket.cc).
  void Deliver() override {
    if (owner && !closed) owner->DeliverNews();
  }

  // After the peer's end (or a read error) reading holds nothing: a socket whose writes are
  // done no longer keeps the loop alive, as libuv stops a stream handle at EOF. Bytes and the
  // end not yet delivered (one block per delivery round) still do.
  bool Active() const override {
    return listening || (reading && (!ended || !rx.empty() || rx_end)) || connecting || !wq.empty() ||
           send_inflight || has_shutdown;
  }

  void EngineGone() override {
    if (fd >= 0) ::close(fd);
    fd = -1;
    DropAllPins(false);
    wq.clear();
    rx.Clear(nullptr);  // the engine's block pool goes with it
  }

  void Close(bool reset) override {
    if (closed) return;
    if (reset && fd >= 0) {
      linger l = {1, 0};
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    // Bytes already reported written (small writes complete at write(), as libuv's synchronous
    // write does) must not be dropped by a destroy() right after: they drain first.
    bool drain = !reset && engine && fd >= 0 && !connecting && !wq.empty();
    closed = true;
    reading = listening = false;
    if (engine) rx.Clear(engine->RxBlocks());
    if (engine && inflight > 0) {
      // Cancel and submit before close(): SQEs name the fd by number. A drain keeps its sends.
      if (drain) {
        if (read_armed) CancelOp(&recv_op);
        if (accept_armed) {
          CancelOp(&accept_op);
          CancelOp(&poll_op);
        }
      } else {
        io_uring_sqe* sqe = engine->Sqe();
        if (sqe) {
          io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
          io_uring_sqe_set_data64(sqe, 0);
        }
      }
      engine->Submit();
    }
    for (int a : accepted)
      if (a >= 0) ::close(a);
    accepted.clear();
    if (drain) {
      draining = true;
      engine->BeginDrain(this);
      IssueSend();
      engine->Submit();
      if (!send_inflight) FinishDrain();  // no SQE to be had: nothing more can be done
    } else {
      if (fd >= 0) ::close(fd);
      fd = -1;
      // Writes the kernel has not seen are dropped now; the one in flight at its completion.
      if (!send_inflight) {
        DropAllPins(true);
        wq.clear();
      }
      wq_bytes = 0;
    }
    SyncHold();
    Unlist();
  }

  // ---- transport::StreamTransport ----
  void SetOwner(StreamOwner* o) override { owner = o; }
  void Release() override { Unref(); }

  int Bind(const sockaddr_storage& ss, socklen_t len, unsigned flags) override {
    if (closed) return -EBADF;
    int fam = ss.ss_family;
    if ((flags & kIpv6Only) && fam != AF_INET6) return -EINVAL;
    int rc = EnsureFd(fam);
    if (rc) return rc;
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // as uv__tcp_bind
    if ((flags & kReusePort) && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on)) return NegErrno();
    if (fam == AF_INET6) {
      int v6only = (flags & kIpv6Only) ? 1 : 0;
      if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only)) return NegErrno();
    }
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&ss), len)) {
      if (errno != EADDRINUSE) return NegErrno();
      delayed_error = -EADDRINUSE;  // libuv reports it from listen() / connect()
    }
    return 0;
  }

  int Open(int ofd, bool dup) override {
    if (closed) return -EBADF;
    if (fd >= 0) return -EBUSY;
    sockaddr_storage ss;
    int rc = AdoptFd(ofd, SOCK_STREAM, dup, &ofd, &ss);
    if (rc) return rc;
    fd = ofd;
    family = ss.ss_family;
    accept_one_at_a_time = dup;
    return 0;
  }

  int Listen(int backlog) override {
    if (closed) return -EBADF;
    if (delayed_error) return delayed_error;
    int rc = EnsureFd(family ? family : AF_INET);
    if (rc) return rc;
    if (::listen(fd, backlog)) return NegErrno();
    listening = true;
    if (!accept_armed && (rc = ArmAccept())) return rc;
    SyncHold();
    return 0;
  }

  int Connect(const sockaddr_storage& ss, socklen_t len) override {
    if (closed) return -EBADF;
    if (delayed_error) return delayed_error;
    if (connecting) {
      // libuv's connect(2) ran at once, so Node's EALREADY error names the local address the
      // kernel bound: submit the pending connect now, so that getsockname() sees it too.
      engine->Submit();
      return -EALREADY;
    }
    int rc = EnsureFd(ss.ss_family);
    if (rc) return rc;
    peer = ss;
    io_uring_sqe* sqe = engine->Sqe();
    if (!sqe) return -EAGAIN;
    io_uring_prep_connect(sqe, fd, reinterpret_cast<sockaddr*>(&peer), len);
    io_uring_sqe_set_data(sqe, &connect_op);
    Flight();
    connecting = true;
    SyncHold();
    return 0;
  }

  int ReadStart() override {
    if (closed) return -EBADF;
    if (fd < 0) return -ENOTCONN;
    reading = true;
    if (!rx.empty() || rx_end) Pending();  // delivered what arrived while paused
    if (!read_armed && !ended && !RxFull()) {
      int rc = ArmRecv();
      if (rc) {
        reading = false;
        return rc;
      }
    }
    SyncHold();
    return 0;
  }

  int ReadStop() override {
    if (closed) return -EBADF;
    reading = false;
    if (read_armed) CancelOp(&recv_op);  // bytes that still arrive wait for readStart
    SyncHold();
    return 0;
  }

  int Write(StreamWrite&& w, int64_t early_limit) override {
    if (closed) return -EBADF;
    if (fd < 0) return -ENOTCONN;
    if (shutdown_wanted) return -EPIPE;
    size_t total = w.bytes;
    bool copied = !w.pin;
    wq.push_back(std::move(w));
    wq_bytes += total;
    // libuv's synchronous write: a copied write done now while the queue stays small.
    bool early = copied && static_cast<int64_t>(wq_bytes) <= early_limit;
    if (early) wq.back().id = 0;
    IssueSend();
    SyncHold();
    return early ? 1 : 0;
  }

  size_t QueuedBytes() const override { return wq_bytes; }

  int Shutdown() override {
    if (closed) return -EBADF;
    if (fd < 0) return -ENOTCONN;
    if (shutdown_wanted) return -EALREADY;
    shutdown_wanted = true;
    if (!send_inflight) IssueSend();  // issues the shutdown when the queue is empty
    SyncHold();
    return 0;
  }

  int SetNoDelay(bool on) override {
    if (closed || fd < 0) return -EBADF;
    int v = on ? 1 : 0;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v) ? NegErrno() : 0;
  }

  // uv__tcp_keepalive: SO_KEEPALIVE, then idle = delay, interval 1 s, 10 probes.
  int SetKeepAlive(bool on, unsigned delay) override {
    if (closed || fd < 0) return -EBADF;
    int v = on ? 1 : 0;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v)) return NegErrno();
    if (!on || delay < 1) return 0;
    int idle = static_cast<int>(delay), intvl = 1, cnt = 10;
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) ||
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl) ||
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt))
      return NegErrno();
    return 0;
  }

  int LocalAddress(sockaddr_storage* out, socklen_t* len) const override {
    return FdAddress(closed ? -1 : fd, false, out, len);
  }
  int PeerAddress(sockaddr_storage* out, socklen_t* len) const override {
    return FdAddress(closed ? -1 : fd, true, out, len);
  }
  int GetSockOpt(int level, int name, int* value) const override {
    return FdGetInt(closed ? -1 : fd, level, name, value);
  }
  int SetSockOpt(int level, int name, int value) override { return FdSetInt(closed ? -1 : fd, level, name, value); }

  int Fd() const override { return fd; }
  int Family() const override { return family; }
  void SetRef(bool on) override { SetRefed(on); }
  const transport::Counters& counters() const override { return ctr; }

  // ---- news ----
  bool TakeConnect(int* status) override {
    if (!has_connect) return false;
    has_connect = false;
    *status = connect_status;
    return true;
  }

  bool TakeAccepted(std::vector<transport::Accepted>* out) override {
    if (accepted.empty()) return false;
    for (int a : accepted) {
      if (a < 0) {
        out->push_back({nullptr, a});
        continue;
      }
      auto* t = new TcpTransport(engine);
      t->Ref();  // the owner's, dropped by Release()
      t->fd = a;
      t->family = family;
      out->push_back({t, 0});
    }
    accepted.clear();
    return true;
  }

  bool TakeWriteDone(std::vector<int32_t>* ids, std::vector<int32_t>* results) override {
    return done.Take(ids, results);
  }

  bool Reading() const override { return reading && !closed; }
  bool ReadNews() const override { return !rx.empty() || rx_end; }

  bool PeekRead(const char** data, size_t* len) const override {
    if (rx.empty()) return false;
    *data = rx.FrontData();
    *len = rx.FrontSize();
    return true;
  }

  void PopRead() override {
    rx.PopFront(engine->RxBlocks());
    if (reading && !read_armed && !ended && !closed && rx.bytes() < kRxLow) ArmRecv();
  }

  bool TakeEnd(int* status) override {
    if (!rx_end || !rx.empty()) return false;
    *status = rx_end;
    rx_end = 0;
    return true;
  }

  bool TakeShutdown(int* status) override {
    if (!has_shutdown) return false;
    has_shutdown = false;
    *status = shutdown_status;
    return true;
  }

  void Again() override { Pending(); }
  void AgainNextTurn() override {
    if (engine && !closed) engine->AddPendingNextTurn(this);
  }
};

transport::StreamTransport* NewTcpTransport(Engine* engine, int family) {
  auto* t = new TcpTransport(engine);
  t->Ref();  // the owner's, dropped by Release()
  t->family = family;
  if (family) t->EnsureFd(family);  // on failure bind/connect report it (and create it again)
  return t;
}

}  // namespace ringsock::uring
