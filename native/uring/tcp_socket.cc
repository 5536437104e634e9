#include "uring/tcp_socket.h"
#include <netinet/in.h>
#include <poll.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>
#include "common/callback.h"
#include "common/errors.h"
#include "common/sockaddr.h"
#include "uring/buf_ring.h"
#include "uring/engine.h"

namespace ringsock::uring {

constexpr int kTcpIpv6Only = 1;  // types.ts TCP_IPV6ONLY
constexpr int kTcpReusePort = 2;  // types.ts TCP_REUSEPORT (libuv UV_TCP_REUSEPORT)
constexpr int kRingStream = 3;
constexpr size_t kCopyBelow = 64 * 1024;  // smaller writes are copied, larger ones pinned
constexpr size_t kMaxIov = 256;

struct WriteReq {
  int32_t req_id = 0;
  std::vector<iovec> iov;
  std::vector<napi_ref> pins;  // JS buffers kept alive until the kernel took the bytes
  std::unique_ptr<char[]> owned;  // or a copy (and the bytes of string chunks)
  size_t bytes = 0, done = 0;
};

struct TcpCore : Core {
  int family = 0;  // AF_INET/AF_INET6, 0 until bind/connect decides
  int delayed_error = 0;  // libuv reports bind's EADDRINUSE from listen/connect
  bool listening = false, reading = false, read_armed = false, accept_armed = false;
  bool connecting = false, ended = false;
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
  std::deque<WriteReq> wq;
  size_t wq_bytes = 0;  // bytes queued and not yet taken by the kernel
  // The batch for the next delivery.
  RxChunks rx;  // received, not yet handed to JS
  int rx_end = 0;  // UV_EOF or -errno, delivered after rx
  std::vector<int> accepted;  // fd, or -errno of a failed accept
  bool has_connect = false, has_shutdown = false;
  int connect_status = 0, shutdown_status = 0;
  std::vector<int32_t> done_ids, done_res;

  explicit TcpCore(Engine* e) : Core(e) { e->Track(this); }
  ~TcpCore() override {
    if (engine) engine->Untrack(this);
    if (fd >= 0) ::close(fd);
    for (int a : accepted)
      if (a >= 0) ::close(a);
    DropAllPins(engine != nullptr);
  }

  void DropAllPins(bool can_call_napi) {
    for (WriteReq& w : wq) Unpin(w, can_call_napi);
  }
  void Unpin(WriteReq& w, bool can_call_napi = true) {
    if (can_call_napi && engine)
      for (napi_ref r : w.pins) napi_delete_reference(engine->env(), r);
    w.pins.clear();  // at teardown the environment frees them itself
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
    io_uring_prep_multishot_accept(sqe, fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
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

  int ArmRecv() {
    std::string err;
    BufRing* br = engine->Ring(kRingStream, &err);
    if (!br) return -ENOMEM;
    io_uring_sqe* sqe = engine->Sqe();
    if (!sqe) return -EAGAIN;
    io_uring_prep_recv_multishot(sqe, fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = br->group();
    io_uring_sqe_set_data(sqe, &recv_op);
    Flight();
    read_armed = true;
    engine->stats.rearms++;
    return 0;
  }

  void Cancel(Op* op) {
    io_uring_sqe* sqe = engine->Sqe();
    if (!sqe) return;
    io_uring_prep_cancel(sqe, op, 0);
    io_uring_sqe_set_data64(sqe, 0);
  }

  // Writes with nothing left to send (empty ones) complete without a syscall.
  void CompleteFinished() {
    while (!wq.empty() && wq.front().done == wq.front().bytes) {
      if (wq.front().req_id) {  // 0: completed early at write(), nothing to report
        done_ids.push_back(wq.front().req_id);
        done_res.push_back(0);
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
    for (WriteReq& w : wq) {
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
      bool early = false;
      for (WriteReq& w : wq) {
        if (w.req_id) {
          done_ids.push_back(w.req_id);
          done_res.push_back(res);
        } else {
          early = true;
        }
        Unpin(w);
      }
      if (early) {  // writes already reported done learn the failure once, as request 0
        done_ids.push_back(0);
        done_res.push_back(res);
      }
      wq.clear();
      wq_bytes = 0;
      Pending();
      return;
    }
    engine->stats.tx_bytes += res;
    size_t left = static_cast<size_t>(res);
    wq_bytes -= left;
    for (WriteReq& w : wq) {
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
      Cancel(&send_op);  // its buffers stay until its CQE; OnSend then finishes
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
      }
      br->Recycle(bid);
    }
    if (res == 0) {
      rx_end = kUvEof;
      ended = true;
    } else if (res == -ENOBUFS) {
      engine->stats.enobufs++;
    } else if (res < 0 && res != -ECANCELED) {
      rx_end = res;
      ended = true;
    }
    if (closed) return;
    if (!read_armed && reading && !ended) ArmRecv();
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
            accepted.push_back(err);
            Pending();
          }
          if (!accept_armed && listening) ArmAcceptPoll();
          return;
        } else if (cqe->res != -ECANCELED && cqe->res != -ECONNABORTED) {
          if (cqe->res >= 0) engine->stats.accepts++;
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

  void Deliver(Napi::Env env, Napi::Object self) override {
    if (has_connect) {
      has_connect = false;
      napi_value argv[1] = {Napi::Number::New(env, connect_status)};
      engine->stats.js_calls++;
      CallJs(env, self, "onconnect", 1, argv);
    }
    if (!accepted.empty()) {
      std::vector<int> fds;
      fds.swap(accepted);
      Napi::FunctionReference& ctor = engine->addon()->tcpCtor;
      for (size_t i = 0; i < fds.size(); i++) {
        if (closed) {
          if (fds[i] >= 0) ::close(fds[i]);
          continue;
        }
        napi_value argv[2];
        if (fds[i] < 0) {
          argv[0] = Napi::Number::New(env, fds[i]);
          argv[1] = env.Null();
        } else {
          Napi::Value fam = Napi::Number::New(env, family == AF_INET6 ? 6 : 4);
          Napi::Value ext = Napi::External<void>::New(env, reinterpret_cast<void*>(static_cast<intptr_t>(fds[i] + 1)));
          argv[0] = Napi::Number::New(env, 0);
          argv[1] = ctor.New({fam, ext});
        }
        engine->stats.js_calls++;
        CallJs(env, self, "onconnection", 2, argv);
      }
    }
    if (closed) return;
    // Writes that finished come before the bytes read in the same wake-up, and those bytes wait
    // for the next loop turn: the peer could only answer what was sent, and libuv never reads
    // in the turn whose poll phase finished a write, so what the write callback scheduled with
    // setImmediate (Node's JSStreamSocket under TLS completes a write there) runs first. Node's
    // http server pauses its parser while a response is still being written, and a TLS socket
    // then hands it bytes it cannot take (HPE_PAUSED: lost requests on https keep-alive).
    if (!done_ids.empty()) {
      engine->stats.js_calls++;
      CallJsCompletions(env, self, "onwritedone", &done_ids, &done_res);
      if (closed) return;
      if (reading && (!rx.empty() || rx_end)) {
        engine->AddPendingNextTurn(this);
        return;
      }
    }
    if (reading && !rx.empty()) {
      // One _onread per block (at most 64 KiB), as libuv reads.
      while (!rx.empty() && reading) {
        size_t len = rx.FrontSize();
        const char* p = rx.FrontData();
        napi_value data = nullptr;
        bool shared = false;
        if (len >= 32 * 1024) {
          // One copy into a Buffer V8 owns (handing memory over as an external Buffer cost
          // fresh pages and a finalizer per read).
          void* unused;
          if (napi_create_buffer_copy(env, len, p, &unused, &data) != napi_ok) data = nullptr;
        } else {
          // Small reads go through the engine's read area and JS copies them out (a pooled
          // Buffer): no backing store is allocated, and later swept, per read.
          shared = engine->ReadArea().FillBytes(env, p, len, &data);
        }
        if (!data) data = Napi::Buffer<char>::Copy(env, p, len);
        rx.PopFront(engine->RxBlocks());  // copied above
        napi_value argv[3] = {Napi::Number::New(env, static_cast<double>(len)), data, Napi::Boolean::New(env, shared)};
        engine->stats.js_calls++;
        CallJs(env, self, "_onread", 3, argv);
        if (closed) return;
      }
      // Blocks a readStop() in a callback left undelivered wait for readStart (it re-pends).
    }
    if (reading && rx_end) {
      int e = rx_end;
      rx_end = 0;
      napi_value argv[2] = {Napi::Number::New(env, e), env.Null()};
      engine->stats.js_calls++;
      CallJs(env, self, "_onread", 2, argv);
      if (closed) return;
    }
    if (has_shutdown) {
      has_shutdown = false;
      napi_value argv[1] = {Napi::Number::New(env, shutdown_status)};
      engine->stats.js_calls++;
      CallJs(env, self, "onshutdown", 1, argv);
    }
  }

  // After the peer's end (or a read error) reading holds nothing: a socket whose writes are
  // done no longer keeps the loop alive, as libuv stops a stream handle at EOF.
  bool Active() const override {
    return listening || (reading && !ended) || connecting || !wq.empty() || send_inflight || has_shutdown;
  }

  void EngineGone() override {
    if (fd >= 0) ::close(fd);
    fd = -1;
    DropAllPins(false);
    wq.clear();
    rx.Clear(nullptr);  // the engine's block pool goes with it
  }

  void Close(napi_env env, bool reset) {
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
        if (read_armed) Cancel(&recv_op);
        if (accept_armed) {
          Cancel(&accept_op);
          Cancel(&poll_op);
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
    ReleaseSelf(env);
    Unlist();
  }
};

// ---- JS class ----

#define CORE_OR_EBADF()                                  \
  TcpCore* c = core_;                                    \
  if (!c || c->closed || !c->engine) return Napi::Number::New(info.Env(), -EBADF)

static Napi::Value Num(const Napi::CallbackInfo& info, int64_t v) { return Napi::Number::New(info.Env(), v); }

Napi::Function TcpSocket::Class(Napi::Env env) {
  return DefineClass(env, "TcpSocket", {
      InstanceAccessor<&TcpSocket::Fd>("fd"),
      InstanceMethod<&TcpSocket::Bind>("bind", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Listen>("listen", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Connect>("connect", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::ReadStart>("readStart", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::ReadStop>("readStop", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Write>("write", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::WriteQueueSize>("writeQueueSize", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Shutdown>("shutdown", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::SetNoDelay>("setNoDelay", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::SetKeepAlive>("setKeepAlive", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::GetSockName>("getsockname", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::GetPeerName>("getpeername", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::GetSockOpt>("getsockopt", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::SetSockOpt>("setsockopt", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Ref>("ref", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Unref>("unref", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Close>("closeHandle", kHandleMethodAttrs),
  });
}

TcpSocket::TcpSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TcpSocket>(info) {
  Napi::Env env = info.Env();
  int64_t fam = 0;
  if (info.Length() > 0 && !info[0].IsUndefined() && !ArgInt(info, 0, &fam, "family")) return;
  if (fam != 0 && fam != 4 && fam != 6) {
    Napi::TypeError::New(env, "family must be 0, 4 or 6").ThrowAsJavaScriptException();
    return;
  }
  std::string err;
  Engine* e = Engine::Get(Addon::Of(env), &err);
  if (!e) {
    Napi::Error::New(env, "ringsock: " + err).ThrowAsJavaScriptException();
    return;
  }
  core_ = new TcpCore(e);
  core_->Ref();  // the wrapper's reference
  core_->family = fam == 6 ? AF_INET6 : fam == 4 ? AF_INET : 0;
  if (info.Length() > 1 && info[1].IsExternal()) {  // an accepted connection
    core_->fd = static_cast<int>(reinterpret_cast<intptr_t>(info[1].As<Napi::External<void>>().Data())) - 1;
  } else if (core_->family) {
    int rc = core_->EnsureFd(core_->family);
    (void)rc;  // on failure bind/connect report it (fd stays -1 -> the socket is re-created there)
  }
  Napi::Object self = info.This().As<Napi::Object>();
  napi_create_reference(env, self, 1, &core_->self);  // open sockets stay alive, as in Node
  self.Set("onconnection", env.Null());
  self.Set("onconnect", env.Null());
  self.Set("_onread", env.Null());  // what reads call; see src/backends/types.ts TcpHandle._onread
  // `onread` is an accessor on the prototype (src/net/handle-onread.ts); its slots:
  self.Set("_onreadVisible", env.Null());
  self.Set("_onreadOwn", env.Null());
  self.Set("_onreadOwner", env.Null());
  self.Set("onwritedone", env.Null());
  self.Set("onshutdown", env.Null());
}

TcpSocket::~TcpSocket() {
  if (!core_) return;
  core_->ReleaseSelf(Env());
  core_->Unref();
}

Napi::Value TcpSocket::Fd(const Napi::CallbackInfo& info) { return Num(info, core_ ? core_->fd : -1); }

Napi::Value TcpSocket::Bind(const Napi::CallbackInfo& info) {
  std::string ip;
  int64_t port, flags = 0;
  if (!ArgStr(info, 0, &ip, "address") || !ArgInt(info, 1, &port, "port")) return info.Env().Undefined();
  if (info.Length() > 2 && !ArgInt(info, 2, &flags, "flags")) return info.Env().Undefined();
  CORE_OR_EBADF();
  sockaddr_storage ss;
  socklen_t len;
  int fam = c->family ? c->family : FamilyOf(ip);
  if (ParseAddr(fam, ip, static_cast<int>(port), &ss, &len)) return Num(info, -EINVAL);
  if ((flags & kTcpIpv6Only) && fam != AF_INET6) return Num(info, -EINVAL);
  int rc = c->EnsureFd(fam);
  if (rc) return Num(info, rc);
  int on = 1;
  setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // as uv__tcp_bind
  if ((flags & kTcpReusePort) && setsockopt(c->fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on)) return Num(info, NegErrno());
  if (fam == AF_INET6) {
    int v6only = (flags & kTcpIpv6Only) ? 1 : 0;
    if (setsockopt(c->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only)) return Num(info, NegErrno());
  }
  if (::bind(c->fd, reinterpret_cast<sockaddr*>(&ss), len)) {
    if (errno != EADDRINUSE) return Num(info, NegErrno());
    c->delayed_error = -EADDRINUSE;  // libuv reports it from listen() / connect()
  }
  return Num(info, 0);
}

Napi::Value TcpSocket::Listen(const Napi::CallbackInfo& info) {
  int32_t backlog;  // unvalidated by Node's net.js: libuv's handle takes Int32Value() of it
  if (!ArgInt32Like(info, 0, &backlog)) return info.Env().Undefined();
  CORE_OR_EBADF();
  if (c->delayed_error) return Num(info, c->delayed_error);
  int rc = c->EnsureFd(c->family ? c->family : AF_INET);
  if (rc) return Num(info, rc);
  if (::listen(c->fd, backlog)) return Num(info, NegErrno());
  c->listening = true;
  if (!c->accept_armed && (rc = c->ArmAccept())) return Num(info, rc);
  c->SyncHold();
  return Num(info, 0);
}

Napi::Value TcpSocket::Connect(const Napi::CallbackInfo& info) {
  std::string ip;
  int64_t port;
  if (!ArgStr(info, 0, &ip, "address") || !ArgInt(info, 1, &port, "port")) return info.Env().Undefined();
  CORE_OR_EBADF();
  if (c->delayed_error) return Num(info, c->delayed_error);
  if (c->connecting) {
    // libuv's connect(2) ran at once, so Node's EALREADY error names the local address the
    // kernel bound: submit the pending connect now, so that getsockname() sees it too.
    c->engine->Submit();
    return Num(info, -EALREADY);
  }
  int fam = c->family ? c->family : FamilyOf(ip);
  socklen_t len;
  if (ParseAddr(fam, ip, static_cast<int>(port), &c->peer, &len)) return Num(info, -EINVAL);
  int rc = c->EnsureFd(fam);
  if (rc) return Num(info, rc);
  io_uring_sqe* sqe = c->engine->Sqe();
  if (!sqe) return Num(info, -EAGAIN);
  io_uring_prep_connect(sqe, c->fd, reinterpret_cast<sockaddr*>(&c->peer), len);
  io_uring_sqe_set_data(sqe, &c->connect_op);
  c->Flight();
  c->connecting = true;
  c->SyncHold();
  return Num(info, 0);
}

Napi::Value TcpSocket::ReadStart(const Napi::CallbackInfo& info) {
  CORE_OR_EBADF();
  if (c->fd < 0) return Num(info, -ENOTCONN);
  c->reading = true;
  if (!c->rx.empty() || c->rx_end) c->Pending();  // delivered what arrived while paused
  if (!c->read_armed && !c->ended) {
    int rc = c->ArmRecv();
    if (rc) {
      c->reading = false;
      return Num(info, rc);
    }
  }
  c->SyncHold();
  return Num(info, 0);
}

Napi::Value TcpSocket::ReadStop(const Napi::CallbackInfo& info) {
  CORE_OR_EBADF();
  c->reading = false;
  if (c->read_armed) c->Cancel(&c->recv_op);  // bytes that still arrive wait for readStart
  c->SyncHold();
  return Num(info, 0);
}

Napi::Value TcpSocket::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static thread_local std::vector<Chunk> chunks;  // reused: no allocation per write
  StringChunks strings;
  size_t total = 0;
  int64_t req = 0, early_limit = -1, latin1_mask = 0;
  if (info.Length() > 3 && !ArgInt(info, 3, &latin1_mask, "latin1Mask")) return env.Undefined();
  strings.latin1_mask = static_cast<uint32_t>(latin1_mask);
  if (!GetChunks(env, info[0], &chunks, &total, &strings) || !ArgInt(info, 1, &req, "reqId")) return env.Undefined();
  if (info.Length() > 2 && !ArgInt(info, 2, &early_limit, "earlyLimit")) return env.Undefined();
  CORE_OR_EBADF();
  if (c->fd < 0) return Num(info, -ENOTCONN);
  if (c->shutdown_wanted) return Num(info, -EPIPE);
  c->wq.emplace_back();
  WriteReq& w = c->wq.back();
  w.req_id = static_cast<int32_t>(req);
  w.bytes = total;
  if (total < kCopyBelow) {
    // One copy, strings encoded straight into it (no Buffer per string, as libuv's
    // writeLatin1String/writeUtf8String). +1: N-API ends an encoded string with a NUL.
    w.owned.reset(new char[total + 1]);
    size_t off = 0;
    for (const Chunk& ch : chunks) {
      if (!ch.len) continue;
      if (ch.is_string) EncodeString(env, ch, w.owned.get() + off);
      else memcpy(w.owned.get() + off, ch.data, ch.len);
      off += ch.len;
    }
    w.iov.push_back({w.owned.get(), total});
  } else {
    // Buffers are pinned, not copied; strings have no stable bytes and are encoded once.
    if (strings.bytes) w.owned.reset(new char[strings.bytes + 1]);
    size_t soff = 0;
    for (const Chunk& ch : chunks) {
      if (!ch.len) continue;
      if (ch.is_string) {
        EncodeString(env, ch, w.owned.get() + soff);
        w.iov.push_back({w.owned.get() + soff, ch.len});
        soff += ch.len;
        continue;
      }
      napi_ref r;
      napi_create_reference(env, ch.value, 1, &r);
      w.pins.push_back(r);
      w.iov.push_back({const_cast<char*>(ch.data), ch.len});
    }
  }
  chunks.clear();  // drop the napi_values: they belong to this call's handle scope
  c->wq_bytes += total;
  // libuv's synchronous write: a copied write done now while the queue stays small.
  bool early = total < kCopyBelow && static_cast<int64_t>(c->wq_bytes) <= early_limit;
  if (early) w.req_id = 0;
  c->IssueSend();
  c->SyncHold();
  return Num(info, early ? 1 : 0);
}

Napi::Value TcpSocket::WriteQueueSize(const Napi::CallbackInfo& info) {
  return Num(info, core_ ? static_cast<int64_t>(core_->wq_bytes) : 0);
}

Napi::Value TcpSocket::Shutdown(const Napi::CallbackInfo& info) {
  CORE_OR_EBADF();
  if (c->fd < 0) return Num(info, -ENOTCONN);
  if (c->shutdown_wanted) return Num(info, -EALREADY);
  c->shutdown_wanted = true;
  if (!c->send_inflight) c->IssueSend();  // issues the shutdown when the queue is empty
  c->SyncHold();
  return Num(info, 0);
}

Napi::Value TcpSocket::SetNoDelay(const Napi::CallbackInfo& info) {
  CORE_OR_EBADF();
  if (c->fd < 0) return Num(info, -EBADF);
  int on = ArgBool(info, 0) ? 1 : 0;
  return Num(info, setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) ? NegErrno() : 0);
}

// uv__tcp_keepalive: SO_KEEPALIVE, then idle = delay, interval 1 s, 10 probes.
Napi::Value TcpSocket::SetKeepAlive(const Napi::CallbackInfo& info) {
  int64_t delay = 0;
  bool on = ArgBool(info, 0);
  if (info.Length() > 1 && !ArgInt(info, 1, &delay, "delay")) return info.Env().Undefined();
  CORE_OR_EBADF();
  if (c->fd < 0) return Num(info, -EBADF);
  int v = on ? 1 : 0;
  if (setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE, &v, sizeof v)) return Num(info, NegErrno());
  if (!on || delay < 1) return Num(info, 0);
  int idle = static_cast<int>(delay), intvl = 1, cnt = 10;
  if (setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) ||
      setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl) ||
      setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt))
    return Num(info, NegErrno());
  return Num(info, 0);
}

static Napi::Value Name(const Napi::CallbackInfo& info, TcpCore* c, bool peer) {
  return SockNameToJs(info, (!c || c->closed) ? -1 : c->fd, peer);
}

Napi::Value TcpSocket::GetSockName(const Napi::CallbackInfo& info) { return Name(info, core_, false); }
Napi::Value TcpSocket::GetPeerName(const Napi::CallbackInfo& info) { return Name(info, core_, true); }

Napi::Value TcpSocket::GetSockOpt(const Napi::CallbackInfo& info) {
  int64_t level, name;
  if (!ArgInt(info, 0, &level, "level") || !ArgInt(info, 1, &name, "name")) return info.Env().Undefined();
  CORE_OR_EBADF();
  if (c->fd < 0) return Num(info, -EBADF);
  int v = 0;
  socklen_t len = sizeof v;
  if (getsockopt(c->fd, static_cast<int>(level), static_cast<int>(name), &v, &len)) return Num(info, NegErrno());
  return Num(info, v);
}

// An int option (IP_TOS / IPV6_TCLASS for setTypeOfService): 0 or -errno.
Napi::Value TcpSocket::SetSockOpt(const Napi::CallbackInfo& info) {
  int64_t level, name, value;
  if (!ArgInt(info, 0, &level, "level") || !ArgInt(info, 1, &name, "name") || !ArgInt(info, 2, &value, "value"))
    return info.Env().Undefined();
  CORE_OR_EBADF();
  if (c->fd < 0) return Num(info, -EBADF);
  int v = static_cast<int>(value);
  return Num(info, setsockopt(c->fd, static_cast<int>(level), static_cast<int>(name), &v, sizeof v) ? NegErrno() : 0);
}

Napi::Value TcpSocket::Ref(const Napi::CallbackInfo& info) {
  if (core_) core_->SetRefed(true);
  return info.Env().Undefined();
}

Napi::Value TcpSocket::Unref(const Napi::CallbackInfo& info) {
  if (core_) core_->SetRefed(false);
  return info.Env().Undefined();
}

Napi::Value TcpSocket::Close(const Napi::CallbackInfo& info) {
  if (core_) core_->Close(info.Env(), ArgBool(info, 0));
  return info.Env().Undefined();
}

}  // namespace ringsock::uring
