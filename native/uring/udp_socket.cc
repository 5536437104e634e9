#include "uring/udp_socket.h"
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstring>
#include <string>
#include <vector>
#include "common/callback.h"
#include "common/errors.h"
#include "common/rx_area.h"
#include "common/sockaddr.h"
#include "uring/buf_ring.h"
#include "uring/engine.h"

namespace ringsock::uring {

constexpr int kUdpIpv6Only = 1;   // types.ts UDP_IPV6ONLY
constexpr int kUdpReuseAddr = 4;  // types.ts UDP_REUSEADDR
constexpr int kUdpReusePort = 64;  // types.ts UDP_REUSEPORT (libuv UV_UDP_REUSEPORT)
constexpr int kRingDgram = 1;

struct UdpCore : Core {
  int family;
  bool bound = false, connected = false, recving = false, armed = false;
  Op recv_op{kRecv, this};
  msghdr rmsg{};
  // The batch for the next onmessages / onsenddone / onerror calls.
  std::vector<char> rx;
  std::vector<int32_t> meta;
  std::vector<std::string> addrs;
  std::vector<sockaddr_storage> keys;
  std::vector<int32_t> done_ids, done_res;
  std::vector<int32_t> errs;
  RxArea area;                      // the delivery area handed to onmessages
  napi_ref src_str = nullptr;       // [string] of src_key: the last single-source batch's address
  sockaddr_storage src_key{};
  size_t send_bytes = 0;
  uint32_t send_count = 0;
  // The last destination of send() and what it parsed to.
  std::string dst_ip;
  int64_t dst_port = -1;
  sockaddr_storage dst_addr{};
  socklen_t dst_len = 0;

  UdpCore(Engine* e, int fam) : Core(e), family(fam) { e->Track(this); }
  ~UdpCore() override {
    if (engine) engine->Untrack(this);
    if (fd >= 0) ::close(fd);
  }

  int EnsureFd() {
    if (fd >= 0) return 0;
    if (closed) return -EBADF;
    fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return fd < 0 ? NegErrno() : 0;
  }

  // libuv's uv__udp_maybe_deferred_bind: a handle without a socket gets one of `domain` (for
  // a join, the group's family, whatever the handle's type), bound to its wildcard, port 0;
  // joins set SO_REUSEADDR (UV_UDP_REUSEADDR). A handle that has a socket is left as it is.
  int MaybeDeferredBind(int domain, bool reuseaddr = false) {
    if (fd >= 0) return 0;
    if (closed) return -EBADF;
    family = domain;
    int rc = EnsureFd();
    if (rc) return rc;
    if (reuseaddr && (rc = SetOpt(SOL_SOCKET, SO_REUSEADDR, 1))) return rc;
    sockaddr_storage ss;
    socklen_t len;
    ParseAddr(family, family == AF_INET6 ? "::" : "0.0.0.0", 0, &ss, &len);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len)) return NegErrno();
    bound = true;
    return 0;
  }

  int Arm() {
    std::string err;
    BufRing* br = engine->Ring(kRingDgram, &err);
    if (!br) return -ENOMEM;
    io_uring_sqe* sqe = engine->Sqe();
    if (!sqe) return -EAGAIN;
    memset(&rmsg, 0, sizeof rmsg);
    rmsg.msg_namelen = sizeof(sockaddr_in6);  // room for either family in each buffer
    io_uring_prep_recvmsg_multishot(sqe, fd, &rmsg, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = br->group();
    io_uring_sqe_set_data(sqe, &recv_op);
    Flight();
    armed = true;
    engine->stats.rearms++;
    return 0;
  }

  void CancelRecv() {
    io_uring_sqe* sqe = engine->Sqe();
    if (!sqe) return;
    io_uring_prep_cancel(sqe, &recv_op, 0);
    io_uring_sqe_set_data64(sqe, 0);
  }

  void Append(const sockaddr* name, const char* payload, size_t len) {
    size_t klen = name->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    int32_t idx = -1;
    for (size_t i = keys.size(); i-- > 0;) {  // few peers per batch; newest first
      if (memcmp(&keys[i], name, klen) == 0) {
        idx = static_cast<int32_t>(i);
        break;
      }
    }
    int port = 0;
    if (idx < 0) {
      keys.emplace_back();
      memset(&keys.back(), 0, sizeof(sockaddr_storage));
      memcpy(&keys.back(), name, klen);
      addrs.push_back(FormatIp(name, &port));
      idx = static_cast<int32_t>(keys.size() - 1);
    } else {
      port = ntohs(reinterpret_cast<const sockaddr_in*>(name)->sin_port);  // same offset in in6
    }
    meta.push_back(static_cast<int32_t>(rx.size()));
    meta.push_back(static_cast<int32_t>(len));
    meta.push_back(port);
    meta.push_back(idx);
    rx.insert(rx.end(), payload, payload + len);
    engine->stats.rx_datagrams++;
    engine->stats.rx_bytes += len;
    Pending();
  }

  void OnRecv(const io_uring_cqe* cqe) {
    bool more = cqe->flags & IORING_CQE_F_MORE;
    if (!more) armed = false;
    if (cqe->res < 0) {
      if (cqe->res == -ENOBUFS) {
        engine->stats.enobufs++;  // flow control: buffers come back below, then re-arm
      } else if (cqe->res != -ECANCELED && !closed && recving) {
        errs.push_back(cqe->res);
        Pending();
      }
    } else if (cqe->flags & IORING_CQE_F_BUFFER) {
      unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
      std::string err;
      BufRing* br = engine->Ring(kRingDgram, &err);
      char* buf = br->Buf(bid);
      io_uring_recvmsg_out* o = io_uring_recvmsg_validate(buf, cqe->res, &rmsg);
      if (o && !closed && recving) {
        if (o->flags & MSG_TRUNC) {
          // Cannot happen with 64 KiB buffers and UDP's 65,507-byte limit; if it ever does,
          // the datagram is reported, never delivered cut.
          engine->stats.truncated++;
          errs.push_back(-EMSGSIZE);
          Pending();
        } else {
          const sockaddr* name = static_cast<const sockaddr*>(io_uring_recvmsg_name(o));
          Append(name, static_cast<const char*>(io_uring_recvmsg_payload(o, &rmsg)),
                 io_uring_recvmsg_payload_length(o, cqe->res, &rmsg));
        }
      }
      br->Recycle(bid);
    }
    if (!armed && recving && !closed) Arm();  // multishot ended (ENOBUFS, cancel, error)
  }

  void OnCqe(Op* op, const io_uring_cqe* cqe) override {
    if (op->kind == kRecv) return OnRecv(cqe);
    auto* slot = static_cast<SendSlot*>(op);
    send_bytes -= slot->data.size();
    send_count--;
    if (cqe->res >= 0) {
      engine->stats.tx_datagrams++;
      engine->stats.tx_bytes += cqe->res;
    }
    if (slot->req_id && !closed) {
      done_ids.push_back(slot->req_id);
      done_res.push_back(cqe->res);
      Pending();
    }
    engine->PutSlot(slot);
  }

  // The source address(es) of the batch: one string when every datagram came from the same
  // source (the usual case; the string is reused while it stays the same), else an array.
  napi_value Sources(napi_env env) {
    napi_value out;
    if (keys.size() == 1) {
      napi_value holder;
      if (src_str && memcmp(&src_key, &keys[0], sizeof src_key) == 0 &&
          napi_get_reference_value(env, src_str, &holder) == napi_ok && holder &&
          napi_get_element(env, holder, 0, &out) == napi_ok)
        return out;
      napi_create_string_utf8(env, addrs[0].data(), addrs[0].size(), &out);
      if (!src_str) {  // Node 20 takes no references to primitives: the string lives in an array
        napi_create_array_with_length(env, 1, &holder);
        napi_create_reference(env, holder, 1, &src_str);
      } else {
        napi_get_reference_value(env, src_str, &holder);
      }
      napi_set_element(env, holder, 0, out);
      src_key = keys[0];
      return out;
    }
    napi_create_array_with_length(env, addrs.size(), &out);
    for (uint32_t i = 0; i < addrs.size(); i++) {
      napi_value str;
      napi_create_string_utf8(env, addrs[i].data(), addrs[i].size(), &str);
      napi_set_element(env, out, i, str);
    }
    return out;
  }

  void ReleaseJs(napi_env env) {
    area.Release(env);
    if (src_str) napi_delete_reference(env, src_str);
    src_str = nullptr;
  }

  void Deliver(Napi::Env env, Napi::Object self) override {
    // Completions first: those sends left before these datagrams were read, and a 'message'
    // listener that closes the socket must not turn them into ECANCELED (Node reports them).
    if (!done_ids.empty()) {
      engine->stats.js_calls++;
      CallJsCompletions(env, self, "onsenddone", &done_ids, &done_res);
      if (closed) return;
    }
    if (!meta.empty()) {
      napi_value argv[5];
      bool ok = area.Fill(env, rx.data(), rx.size(), meta.data(), meta.size(), argv);
      if (ok) argv[4] = Sources(env);
      rx.clear();
      meta.clear();
      addrs.clear();
      keys.clear();
      if (rx.capacity() > RxArea::kKeepBytes) std::vector<char>().swap(rx);
      if (!ok) return;
      engine->stats.js_calls++;
      CallJs(env, self, "onmessages", 5, argv);
      if (closed) return;
      area.Trim(env);
    }
    std::vector<int32_t> e;
    e.swap(errs);
    for (int32_t err : e) {
      if (closed) return;
      napi_value argv[1] = {Napi::Number::New(env, err)};
      engine->stats.js_calls++;
      CallJs(env, self, "onerror", 1, argv);
    }
  }

  bool Active() const override { return recving || send_count > 0; }

  void EngineGone() override {
    if (fd >= 0) ::close(fd);
    fd = -1;
    area.Forget();
    src_str = nullptr;
  }

  void Close(napi_env env) {
    if (closed) return;
    closed = true;
    recving = false;
    if (engine && inflight > 0) {
      // Cancel what is in flight, and submit now: SQEs name the fd by number, which close()
      // below may hand to the next socket.
      io_uring_sqe* sqe = engine->Sqe();
      if (sqe) {
        io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
        io_uring_sqe_set_data64(sqe, 0);
      }
      engine->Submit();
    }
    if (fd >= 0) ::close(fd);
    fd = -1;
    SyncHold();
    ReleaseJs(env);
    ReleaseSelf(env);
    Unlist();
  }

  int SetOpt(int level, int name, int val) {
    if (fd < 0) return -EBADF;
    return setsockopt(fd, level, name, &val, sizeof val) ? NegErrno() : 0;
  }
  // uv__setsockopt: the IPv4 or IPv6 flavour of an option, by the socket's family.
  int SetOpt46(int opt4, int opt6, int val) {
    return family == AF_INET6 ? SetOpt(IPPROTO_IPV6, opt6, val) : SetOpt(IPPROTO_IP, opt4, val);
  }
};

// ---- JS class ----

#define CORE_OR_EBADF()                                  \
  UdpCore* c = core_;                                    \
  if (!c || c->closed || !c->engine) return Napi::Number::New(info.Env(), -EBADF)

static Napi::Value Num(const Napi::CallbackInfo& info, int64_t v) { return Napi::Number::New(info.Env(), v); }

Napi::Function UdpSocket::Class(Napi::Env env) {
  return DefineClass(env, "UdpSocket", {
      InstanceAccessor<&UdpSocket::Fd>("fd"),
      InstanceMethod<&UdpSocket::Bind>("bind", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::Open>("open", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::Connect>("connect", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::Disconnect>("disconnect", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::Send>("send", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::RecvStart>("recvStart", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::RecvStop>("recvStop", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::GetSockName>("getsockname", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::GetPeerName>("getpeername", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::SetBroadcast>("setBroadcast", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::SetTTL>("setTTL", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::SetMulticastTTL>("setMulticastTTL", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::SetMulticastLoopback>("setMulticastLoopback", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::SetMulticastInterface>("setMulticastInterface", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::AddMembership>("addMembership", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::DropMembership>("dropMembership", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::AddSourceSpecificMembership>("addSourceSpecificMembership", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::DropSourceSpecificMembership>("dropSourceSpecificMembership", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::BufferSize>("bufferSize", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::GetSendQueueSize>("getSendQueueSize", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::GetSendQueueCount>("getSendQueueCount", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::Ref>("ref", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::Unref>("unref", kHandleMethodAttrs),
      InstanceMethod<&UdpSocket::Close>("close", kHandleMethodAttrs),
  });
}

UdpSocket::UdpSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<UdpSocket>(info) {
  Napi::Env env = info.Env();
  int64_t fam = 0;
  if (!ArgInt(info, 0, &fam, "family")) return;
  if (fam != 4 && fam != 6) {
    Napi::TypeError::New(env, "family must be 4 or 6").ThrowAsJavaScriptException();
    return;
  }
  std::string err;
  Engine* e = Engine::Get(Addon::Of(env), &err);
  if (!e) {
    Napi::Error::New(env, "ringsock: " + err).ThrowAsJavaScriptException();
    return;
  }
  core_ = new UdpCore(e, fam == 6 ? AF_INET6 : AF_INET);
  core_->Ref();  // the wrapper's reference
  Napi::Object self = info.This().As<Napi::Object>();
  napi_create_reference(env, self, 1, &core_->self);  // open sockets stay alive, as in Node
  self.Set("onmessages", env.Null());
  self.Set("onsenddone", env.Null());
  self.Set("onerror", env.Null());
}

UdpSocket::~UdpSocket() {
  if (!core_) return;
  if (core_->engine) core_->ReleaseJs(Env());
  core_->ReleaseSelf(Env());
  core_->Unref();
}

Napi::Value UdpSocket::Fd(const Napi::CallbackInfo& info) { return Num(info, core_ ? core_->fd : -1); }

Napi::Value UdpSocket::Bind(const Napi::CallbackInfo& info) {
  std::string ip;
  int64_t port, flags;
  if (!ArgStr(info, 0, &ip, "address") || !ArgInt(info, 1, &port, "port") || !ArgInt(info, 2, &flags, "flags"))
    return info.Env().Undefined();
  CORE_OR_EBADF();
  sockaddr_storage ss;
  socklen_t len;
  if (ParseAddr(c->family, ip, static_cast<int>(port), &ss, &len)) return Num(info, -EINVAL);
  int rc = c->EnsureFd();
  if (rc) return Num(info, rc);
  if (flags & kUdpIpv6Only) {
    if (c->family != AF_INET6) return Num(info, -EINVAL);
    if ((rc = c->SetOpt(IPPROTO_IPV6, IPV6_V6ONLY, 1))) return Num(info, rc);
  }
  if (flags & kUdpReuseAddr) {  // libuv on Linux: SO_REUSEADDR (not SO_REUSEPORT)
    if ((rc = c->SetOpt(SOL_SOCKET, SO_REUSEADDR, 1))) return Num(info, rc);
  }
  if ((flags & kUdpReusePort) && (rc = c->SetOpt(SOL_SOCKET, SO_REUSEPORT, 1))) return Num(info, rc);
  if (::bind(c->fd, reinterpret_cast<sockaddr*>(&ss), len)) return Num(info, NegErrno());
  c->bound = true;
  return Num(info, 0);
}

Napi::Value UdpSocket::Connect(const Napi::CallbackInfo& info) {
  std::string ip;
  int64_t port;
  if (!ArgStr(info, 0, &ip, "address") || !ArgInt(info, 1, &port, "port")) return info.Env().Undefined();
  CORE_OR_EBADF();
  if (c->connected) return Num(info, -EISCONN);
  sockaddr_storage ss;
  socklen_t len;
  if (ParseAddr(c->family, ip, static_cast<int>(port), &ss, &len)) return Num(info, -EINVAL);
  int rc = c->MaybeDeferredBind(c->family);
  if (rc) return Num(info, rc);
  if (::connect(c->fd, reinterpret_cast<sockaddr*>(&ss), len)) return Num(info, NegErrno());
  c->connected = true;
  return Num(info, 0);
}

// libuv's uv_udp_open: adopt a datagram socket (bind({fd})). The socket takes the fd's family,
// counts as bound when it has a port, as connected when it has a peer; it owns the fd from now on.
Napi::Value UdpSocket::Open(const Napi::CallbackInfo& info) {
  int64_t fd;
  if (!ArgInt(info, 0, &fd, "fd")) return info.Env().Undefined();
  CORE_OR_EBADF();
  if (c->fd >= 0) return Num(info, -EBUSY);
  int type = 0;
  socklen_t tlen = sizeof type;
  if (getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_TYPE, &type, &tlen)) return Num(info, NegErrno());
  if (type != SOCK_DGRAM) return Num(info, -EINVAL);
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&ss), &len)) return Num(info, NegErrno());
  if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6) return Num(info, -EINVAL);
  int flags = fcntl(static_cast<int>(fd), F_GETFL);
  if (flags < 0 || fcntl(static_cast<int>(fd), F_SETFL, flags | O_NONBLOCK)) return Num(info, NegErrno());
  // dup: the caller keeps its fd (a cluster worker's shared socket stays the primary's too).
  if (info.Length() > 1 && info[1].ToBoolean()) {
    fd = fcntl(static_cast<int>(fd), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return Num(info, NegErrno());
  }
  c->fd = static_cast<int>(fd);
  c->family = ss.ss_family;
  c->dst_port = -1;  // a cached destination was parsed for the old family
  c->bound = reinterpret_cast<sockaddr_in*>(&ss)->sin_port != 0;  // same offset in sockaddr_in6
  sockaddr_storage peer;
  len = sizeof peer;
  c->connected = getpeername(c->fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0;
  return Num(info, 0);
}

Napi::Value UdpSocket::Disconnect(const Napi::CallbackInfo& info) {
  CORE_OR_EBADF();
  if (!c->connected) return Num(info, -ENOTCONN);
  sockaddr sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_family = AF_UNSPEC;
  if (::connect(c->fd, &sa, sizeof sa) && errno != EAFNOSUPPORT) return Num(info, NegErrno());
  c->connected = false;
  return Num(info, 0);
}

Napi::Value UdpSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static thread_local std::vector<Chunk> chunks;  // reused: no allocation per datagram
  size_t total = 0;
  if (!GetChunks(env, info[0], &chunks, &total)) return env.Undefined();
  bool has_addr = false;
  std::string ip;
  int64_t port = 0, req = 0;
  if (!ArgOptStr(info, 1, &ip, &has_addr, "address") || !ArgInt(info, 2, &port, "port") ||
      !ArgInt(info, 3, &req, "reqId"))
    return env.Undefined();
  CORE_OR_EBADF();
  // uv__udp_check_before_send
  if (has_addr && c->connected) return Num(info, -EISCONN);
  if (!has_addr && !c->connected) return Num(info, -EDESTADDRREQ);
  SendSlot* s = c->engine->GetSlot();
  socklen_t alen = 0;
  if (has_addr) {
    // A server answers the same few peers: the last destination is parsed once.
    if (c->dst_port == port && c->dst_ip == ip) {
      s->addr = c->dst_addr;
      alen = c->dst_len;
    } else if (ParseAddr(c->family, ip, static_cast<int>(port), &s->addr, &alen)) {
      c->engine->PutSlot(s);
      return Num(info, -EINVAL);
    } else {
      c->dst_ip = ip;
      c->dst_port = port;
      c->dst_addr = s->addr;
      c->dst_len = alen;
    }
  }
  int rc = c->MaybeDeferredBind(c->family);
  if (rc) {
    c->engine->PutSlot(s);
    return Num(info, rc);
  }
  io_uring_sqe* sqe = c->engine->Sqe();
  if (!sqe) {
    c->engine->PutSlot(s);
    return Num(info, -EAGAIN);
  }
  s->core = c;
  s->req_id = static_cast<int32_t>(req);
  s->data.resize(total);
  size_t off = 0;
  for (const Chunk& ch : chunks) {
    if (ch.len) memcpy(s->data.data() + off, ch.data, ch.len);
    off += ch.len;
  }
  memset(&s->msg, 0, sizeof s->msg);
  s->iov.iov_base = s->data.data();
  s->iov.iov_len = total;
  s->msg.msg_iov = &s->iov;
  s->msg.msg_iovlen = 1;
  if (has_addr) {
    s->msg.msg_name = &s->addr;
    s->msg.msg_namelen = alen;
  }
  io_uring_prep_sendmsg(sqe, c->fd, &s->msg, 0);
  io_uring_sqe_set_data(sqe, static_cast<Op*>(s));
  c->Flight();
  c->send_bytes += total;
  c->send_count++;
  c->SyncHold();
  return Num(info, 0);
}

Napi::Value UdpSocket::RecvStart(const Napi::CallbackInfo& info) {
  CORE_OR_EBADF();
  if (c->recving) return Num(info, 0);  // Node treats UV_EALREADY as success
  int rc = c->MaybeDeferredBind(c->family);
  if (rc) return Num(info, rc);
  c->recving = true;
  if (!c->armed && (rc = c->Arm())) {
    c->recving = false;
    return Num(info, rc);
  }
  c->SyncHold();
  return Num(info, 0);
}

Napi::Value UdpSocket::RecvStop(const Napi::CallbackInfo& info) {
  CORE_OR_EBADF();
  if (!c->recving) return Num(info, 0);
  c->recving = false;
  if (c->armed) c->CancelRecv();
  c->SyncHold();
  return Num(info, 0);
}

static Napi::Value Name(const Napi::CallbackInfo& info, UdpCore* c, bool peer) {
  return SockNameToJs(info, (!c || c->closed) ? -1 : c->fd, peer);
}

Napi::Value UdpSocket::GetSockName(const Napi::CallbackInfo& info) { return Name(info, core_, false); }
Napi::Value UdpSocket::GetPeerName(const Napi::CallbackInfo& info) { return Name(info, core_, true); }

Napi::Value UdpSocket::SetBroadcast(const Napi::CallbackInfo& info) {
  CORE_OR_EBADF();
  return Num(info, c->SetOpt(SOL_SOCKET, SO_BROADCAST, ArgBool(info, 0) ? 1 : 0));
}

Napi::Value UdpSocket::SetTTL(const Napi::CallbackInfo& info) {
  int64_t ttl;
  if (!ArgInt(info, 0, &ttl, "ttl")) return info.Env().Undefined();
  CORE_OR_EBADF();
  if (ttl < 1 || ttl > 255) return Num(info, -EINVAL);
  return Num(info, c->SetOpt46(IP_TTL, IPV6_UNICAST_HOPS, static_cast<int>(ttl)));
}

Napi::Value UdpSocket::SetMulticastTTL(const Napi::CallbackInfo& info) {
  int64_t ttl;
  if (!ArgInt(info, 0, &ttl, "ttl")) return info.Env().Undefined();
  CORE_OR_EBADF();
  if (ttl < 0 || ttl > 255) return Num(info, -EINVAL);
  return Num(info, c->SetOpt46(IP_MULTICAST_TTL, IPV6_MULTICAST_HOPS, static_cast<int>(ttl)));
}

Napi::Value UdpSocket::SetMulticastLoopback(const Napi::CallbackInfo& info) {
  CORE_OR_EBADF();
  return Num(info, c->SetOpt46(IP_MULTICAST_LOOP, IPV6_MULTICAST_LOOP, ArgBool(info, 0) ? 1 : 0));
}

// uv_udp_set_multicast_interface
Napi::Value UdpSocket::SetMulticastInterface(const Napi::CallbackInfo& info) {
  std::string iface;
  bool has = false;
  if (!ArgOptStr(info, 0, &iface, &has, "interface")) return info.Env().Undefined();
  CORE_OR_EBADF();
  if (c->fd < 0) return Num(info, -EBADF);
  sockaddr_storage ss;
  socklen_t len;
  memset(&ss, 0, sizeof ss);
  if (!has) {
    ss.ss_family = c->family;  // INADDR_ANY / scope 0
  } else if (ParseAddr(AF_INET, iface, 0, &ss, &len) && ParseAddr(AF_INET6, iface, 0, &ss, &len)) {
    return Num(info, -EINVAL);
  }
  int rc;
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    rc = setsockopt(c->fd, IPPROTO_IP, IP_MULTICAST_IF, &a->sin_addr, sizeof a->sin_addr);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    rc = setsockopt(c->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &a->sin6_scope_id, sizeof a->sin6_scope_id);
  }
  return Num(info, rc ? NegErrno() : 0);
}

// The interface of a multicast call: an IPv4 address (INADDR_ANY when none is given) or, for
// IPv6, the scope id of the given address (0 = any). -EINVAL when it does not parse.
static int Iface4(const std::string& iface, bool has, in_addr* out) {
  out->s_addr = htonl(INADDR_ANY);
  if (!has) return 0;
  sockaddr_storage ia;
  socklen_t len;
  if (ParseAddr(AF_INET, iface, 0, &ia, &len)) return -EINVAL;
  *out = reinterpret_cast<sockaddr_in*>(&ia)->sin_addr;
  return 0;
}
static int Iface6(const std::string& iface, bool has, uint32_t* scope) {
  *scope = 0;
  if (!has) return 0;
  sockaddr_storage ia;
  socklen_t len;
  if (ParseAddr(AF_INET6, iface, 0, &ia, &len)) return -EINVAL;
  *scope = reinterpret_cast<sockaddr_in6*>(&ia)->sin6_scope_id;
  return 0;
}

// uv_udp_set_membership: the group's family picks IPv4 (ip_mreq) or IPv6 (ipv6_mreq, interface
// by scope id of the iface address).
Napi::Value UdpSocket::Membership(const Napi::CallbackInfo& info, bool join) {
  std::string group, iface;
  bool has_iface = false;
  if (!ArgStr(info, 0, &group, "group") || !ArgOptStr(info, 1, &iface, &has_iface, "interface"))
    return info.Env().Undefined();
  CORE_OR_EBADF();
  sockaddr_storage g;
  socklen_t len;
  if (ParseAddr(AF_INET, group, 0, &g, &len) == 0) {
    int rc = c->MaybeDeferredBind(AF_INET, true);
    if (rc) return Num(info, rc);
    ip_mreq m;
    memset(&m, 0, sizeof m);
    if (Iface4(iface, has_iface, &m.imr_interface)) return Num(info, -EINVAL);
    m.imr_multiaddr = reinterpret_cast<sockaddr_in*>(&g)->sin_addr;
    rc = setsockopt(c->fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &m, sizeof m);
    return Num(info, rc ? NegErrno() : 0);
  }
  if (ParseAddr(AF_INET6, group, 0, &g, &len) == 0) {
    int rc = c->MaybeDeferredBind(AF_INET6, true);
    if (rc) return Num(info, rc);
    ipv6_mreq m;
    memset(&m, 0, sizeof m);
    uint32_t scope;
    if (Iface6(iface, has_iface, &scope)) return Num(info, -EINVAL);
    m.ipv6mr_interface = scope;
    m.ipv6mr_multiaddr = reinterpret_cast<sockaddr_in6*>(&g)->sin6_addr;
    rc = setsockopt(c->fd, IPPROTO_IPV6, join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP, &m, sizeof m);
    return Num(info, rc ? NegErrno() : 0);
  }
  return Num(info, -EINVAL);
}

// uv_udp_set_source_membership: ip_mreq_source for IPv4, group_source_req for IPv6.
Napi::Value UdpSocket::SourceMembership(const Napi::CallbackInfo& info, bool join) {
  std::string source, group, iface;
  bool has_iface = false;
  if (!ArgStr(info, 0, &source, "source") || !ArgStr(info, 1, &group, "group") ||
      !ArgOptStr(info, 2, &iface, &has_iface, "interface"))
    return info.Env().Undefined();
  CORE_OR_EBADF();
  sockaddr_storage g, s;
  socklen_t len;
  if (ParseAddr(AF_INET, group, 0, &g, &len) == 0) {
    if (ParseAddr(AF_INET, source, 0, &s, &len)) return Num(info, -EINVAL);
    int rc = c->MaybeDeferredBind(AF_INET, true);
    if (rc) return Num(info, rc);
    ip_mreq_source m;
    memset(&m, 0, sizeof m);
    if (Iface4(iface, has_iface, &m.imr_interface)) return Num(info, -EINVAL);
    m.imr_multiaddr = reinterpret_cast<sockaddr_in*>(&g)->sin_addr;
    m.imr_sourceaddr = reinterpret_cast<sockaddr_in*>(&s)->sin_addr;
    rc = setsockopt(c->fd, IPPROTO_IP, join ? IP_ADD_SOURCE_MEMBERSHIP : IP_DROP_SOURCE_MEMBERSHIP, &m,
                    sizeof m);
    return Num(info, rc ? NegErrno() : 0);
  }
  if (ParseAddr(AF_INET6, group, 0, &g, &len) == 0) {
    if (ParseAddr(AF_INET6, source, 0, &s, &len)) return Num(info, -EINVAL);
    int rc = c->MaybeDeferredBind(AF_INET6, true);
    if (rc) return Num(info, rc);
    group_source_req m;
    memset(&m, 0, sizeof m);
    uint32_t scope;
    if (Iface6(iface, has_iface, &scope)) return Num(info, -EINVAL);
    m.gsr_interface = scope;
    memcpy(&m.gsr_group, &g, sizeof(sockaddr_in6));
    memcpy(&m.gsr_source, &s, sizeof(sockaddr_in6));
    rc = setsockopt(c->fd, IPPROTO_IPV6, join ? MCAST_JOIN_SOURCE_GROUP : MCAST_LEAVE_SOURCE_GROUP, &m,
                    sizeof m);
    return Num(info, rc ? NegErrno() : 0);
  }
  return Num(info, -EINVAL);
}

Napi::Value UdpSocket::AddMembership(const Napi::CallbackInfo& info) { return Membership(info, true); }
Napi::Value UdpSocket::DropMembership(const Napi::CallbackInfo& info) { return Membership(info, false); }
Napi::Value UdpSocket::AddSourceSpecificMembership(const Napi::CallbackInfo& info) {
  return SourceMembership(info, true);
}
Napi::Value UdpSocket::DropSourceSpecificMembership(const Napi::CallbackInfo& info) {
  return SourceMembership(info, false);
}

// uv_recv_buffer_size / uv_send_buffer_size: 0 reads (the kernel reports twice what was set),
// anything else sets and returns the value given, as Node does.
Napi::Value UdpSocket::BufferSize(const Napi::CallbackInfo& info) {
  int64_t size;
  if (!ArgInt(info, 0, &size, "size")) return info.Env().Undefined();
  bool recv = ArgBool(info, 1);
  CORE_OR_EBADF();
  if (c->fd < 0) return Num(info, -EBADF);
  if (size < 0 || size > INT32_MAX) return Num(info, -EINVAL);
  int opt = recv ? SO_RCVBUF : SO_SNDBUF;
  int v = static_cast<int>(size);
  if (v == 0) {
    socklen_t len = sizeof v;
    if (getsockopt(c->fd, SOL_SOCKET, opt, &v, &len)) return Num(info, NegErrno());
    return Num(info, v);
  }
  if (setsockopt(c->fd, SOL_SOCKET, opt, &v, sizeof v)) return Num(info, NegErrno());
  return Num(info, v);
}

Napi::Value UdpSocket::GetSendQueueSize(const Napi::CallbackInfo& info) {
  return Num(info, core_ ? static_cast<int64_t>(core_->send_bytes) : 0);
}
Napi::Value UdpSocket::GetSendQueueCount(const Napi::CallbackInfo& info) {
  return Num(info, core_ ? core_->send_count : 0);
}

Napi::Value UdpSocket::Ref(const Napi::CallbackInfo& info) {
  if (core_) core_->SetRefed(true);
  return info.Env().Undefined();
}

Napi::Value UdpSocket::Unref(const Napi::CallbackInfo& info) {
  if (core_) core_->SetRefed(false);
  return info.Env().Undefined();
}

Napi::Value UdpSocket::Close(const Napi::CallbackInfo& info) {
  if (core_) core_->Close(info.Env());
  return info.Env().Undefined();
}

}  // namespace ringsock::uring
