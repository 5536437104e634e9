// Kernel UDP on io_uring: one multishot recvmsg on the engine's datagram buffer ring; each send
// copies its datagram into a send slot (IORING_OP_SENDMSG). No N-API here: native/js/udp_socket.cc
// is the JS class.
#include "uring/udp_transport.h"
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>
#include <cstring>
#include <string>
#include <vector>
#include "common/errno.h"
#include "common/sockaddr.h"
#include "transport/completions.h"
#include "uring/buf_ring.h"
#include "uring/engine.h"
#include "uring/fd_options.h"

namespace ringsock::uring {

using transport::DgramBatch;
using transport::DgramOwner;

constexpr int kRingDgram = 1;

// The interface of a multicast call: an IPv4 address (INADDR_ANY when none is given) or, for
// IPv6, the scope id of the given address (0 = any). -EINVAL when it does not parse.
static int Iface4(const std::string* iface, in_addr* out) {
  out->s_addr = htonl(INADDR_ANY);
  if (!iface) return 0;
  sockaddr_storage ia;
  socklen_t len;
  if (ParseAddr(AF_INET, *iface, 0, &ia, &len)) return -EINVAL;
  *out = reinterpret_cast<sockaddr_in*>(&ia)->sin_addr;
  return 0;
}
static int Iface6(const std::string* iface, uint32_t* scope) {
  *scope = 0;
  if (!iface) return 0;
  sockaddr_storage ia;
  socklen_t len;
  if (ParseAddr(AF_INET6, *iface, 0, &ia, &len)) return -EINVAL;
  *scope = reinterpret_cast<sockaddr_in6*>(&ia)->sin6_scope_id;
  return 0;
}

struct UdpTransport final : Core, transport::DgramTransport {
  int family;
  bool bound = false, connected = false, recving = false, armed = false;
  Op recv_op{kRecv, this};
  msghdr rmsg{};
  DgramOwner* owner = nullptr;
  // The news for the next delivery.
  DgramBatch rx;
  std::vector<sockaddr_storage> keys;  // the sources of rx, by index
  transport::Completions done;
  std::vector<int32_t> errs;
  size_t send_bytes = 0;
  uint32_t send_count = 0;
  transport::Counters ctr;  // this socket's share of engine->stats (ringsock.stats())

  UdpTransport(Engine* e, int fam) : Core(e), family(fam) { e->Track(this); }
  ~UdpTransport() override {
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
    int rc = ArmBufferedRecv(kRingDgram, &recv_op, [this](io_uring_sqe* sqe) {
      memset(&rmsg, 0, sizeof rmsg);
      rmsg.msg_namelen = sizeof(sockaddr_in6);  // room for either family in each buffer
      io_uring_prep_recvmsg_multishot(sqe, fd, &rmsg, 0);
    });
    if (!rc) armed = true;
    return rc;
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
      idx = rx.AddSource(FormatIp(name, &port));
    } else {
      port = ntohs(reinterpret_cast<const sockaddr_in*>(name)->sin_port);  // same offset in in6
    }
    rx.Append(payload, len, port, idx);
    engine->stats.rx_datagrams++;
    engine->stats.rx_bytes += len;
    ctr.rx_messages++;
    ctr.rx_bytes += len;
    Pending();
  }

  void OnRecv(const io_uring_cqe* cqe) {
    bool more = cqe->flags & IORING_CQE_F_MORE;
    if (!more) armed = false;
    if (cqe->res < 0) {
      if (cqe->res == -ENOBUFS) {
        engine->stats.enobufs++;  // flow control: buffers come back below, then re-arm
      } else if (cqe->res != -ECANCELED && !closed && recving) {
        ctr.errors++;
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
          ctr.drops++;
          errs.push_back(-EMSGSIZE);
          Pending();
        } else {
          const sockaddr* name = static_cast<const sockaddr*>(io_uring_recvmsg_name(o));
          Append(name, static_cast<const char*>(io_uring_recvmsg_payload(o, &rmsg)),
                 io_uring_recvmsg_payload_length(o, cqe->res, &rmsg));
        }
      } else if (o && !closed) {
        ctr.drops++;  // arrived after recvStop, before the cancel took effect
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
      ctr.tx_messages++;
      ctr.tx_bytes += cqe->res;
    } else {
      ctr.errors++;
    }
    if (slot->req_id && !closed) {
      done.Add(slot->req_id, cqe->res);
      Pending();
    }
    engine->PutSlot(slot);
  }

  void Deliver() override {
    if (owner && !closed) owner->DeliverNews();
  }

  bool Active() const override { return recving || send_count > 0; }

  void EngineGone() override {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  // ---- transport::DgramTransport ----
  void SetOwner(DgramOwner* o) override { owner = o; }
  void Release() override { Unref(); }

  int Bind(const sockaddr_storage& ss, socklen_t len, unsigned flags) override {
    if (closed) return -EBADF;
    int rc = EnsureFd();
    if (rc) return rc;
    if (flags & kIpv6Only) {
      if (family != AF_INET6) return -EINVAL;
      if ((rc = SetOpt(IPPROTO_IPV6, IPV6_V6ONLY, 1))) return rc;
    }
    if (flags & kReuseAddr) {  // libuv on Linux: SO_REUSEADDR (not SO_REUSEPORT)
      if ((rc = SetOpt(SOL_SOCKET, SO_REUSEADDR, 1))) return rc;
    }
    if ((flags & kReusePort) && (rc = SetOpt(SOL_SOCKET, SO_REUSEPORT, 1))) return rc;
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&ss), len)) return NegErrno();
    bound = true;
    return 0;
  }

  // The socket takes the fd's family, counts as bound when it has a port, as connected when it
  // has a peer; it owns the fd from now on.
  int Open(int ofd, bool dup) override {
    if (closed) return -EBADF;
    if (fd >= 0) return -EBUSY;
    sockaddr_storage ss;
    // dup: the caller keeps its fd (a cluster worker's shared socket stays the primary's too).
    int rc = AdoptFd(ofd, SOCK_DGRAM, dup, &ofd, &ss);
    if (rc) return rc;
    fd = ofd;
    family = ss.ss_family;
    bound = reinterpret_cast<sockaddr_in*>(&ss)->sin_port != 0;  // same offset in sockaddr_in6
    sockaddr_storage peer;
    socklen_t len = sizeof peer;
    connected = getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0;
    return 0;
  }

  int Connect(const sockaddr_storage& ss, socklen_t len) override {
    if (closed) return -EBADF;
    if (connected) return -EISCONN;
    int rc = MaybeDeferredBind(family);
    if (rc) return rc;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&ss), len)) return NegErrno();
    connected = true;
    return 0;
  }

  bool Connected() const override { return connected; }

  int Disconnect() override {
    if (closed) return -EBADF;
    if (!connected) return -ENOTCONN;
    sockaddr sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_family = AF_UNSPEC;
    if (::connect(fd, &sa, sizeof sa) && errno != EAFNOSUPPORT) return NegErrno();
    connected = false;
    return 0;
  }

  int Send(const iovec* parts, size_t n, size_t total, const sockaddr_storage* dst, socklen_t dst_len,
           int32_t id) override {
    if (closed) return -EBADF;
    // uv__udp_check_before_send
    if (dst && connected) return -EISCONN;
    if (!dst && !connected) return -EDESTADDRREQ;
    int rc = MaybeDeferredBind(family);
    if (rc) return rc;
    io_uring_sqe* sqe = engine->Sqe();
    if (!sqe) return -EAGAIN;
    SendSlot* s = engine->GetSlot();
    s->core = this;
    s->req_id = id;
    s->data.resize(total);
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
      if (parts[i].iov_len) memcpy(s->data.data() + off, parts[i].iov_base, parts[i].iov_len);
      off += parts[i].iov_len;
    }
    memset(&s->msg, 0, sizeof s->msg);
    s->iov.iov_base = s->data.data();
    s->iov.iov_len = total;
    s->msg.msg_iov = &s->iov;
    s->msg.msg_iovlen = 1;
    if (dst) {
      s->addr = *dst;
      s->msg.msg_name = &s->addr;
      s->msg.msg_namelen = dst_len;
    }
    io_uring_prep_sendmsg(sqe, fd, &s->msg, 0);
    io_uring_sqe_set_data(sqe, static_cast<Op*>(s));
    Flight();
    send_bytes += total;
    send_count++;
    SyncHold();
    return 0;
  }

  int RecvStart() override {
    if (closed) return -EBADF;
    if (recving) return 0;  // Node treats UV_EALREADY as success
    int rc = MaybeDeferredBind(family);
    if (rc) return rc;
    recving = true;
    if (!armed && (rc = Arm())) {
      recving = false;
      return rc;
    }
    SyncHold();
    return 0;
  }

  int RecvStop() override {
    if (closed) return -EBADF;
    if (!recving) return 0;
    recving = false;
    if (armed) CancelOp(&recv_op);
    SyncHold();
    return 0;
  }

  int LocalAddress(sockaddr_storage* out, socklen_t* len) const override {
    return FdAddress(closed ? -1 : fd, false, out, len);
  }
  int PeerAddress(sockaddr_storage* out, socklen_t* len) const override {
    return FdAddress(closed ? -1 : fd, true, out, len);
  }
  int SetOpt(int level, int name, int val) override { return FdSetInt(closed ? -1 : fd, level, name, val); }

  int SetOpt46(int opt4, int opt6, int val) override {
    return family == AF_INET6 ? SetOpt(IPPROTO_IPV6, opt6, val) : SetOpt(IPPROTO_IP, opt4, val);
  }

  // uv_udp_set_multicast_interface
  int SetMulticastInterface(const std::string* iface) override {
    if (closed || fd < 0) return -EBADF;
    sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    if (!iface) {
      ss.ss_family = family;  // INADDR_ANY / scope 0
    } else if (ParseAddr(AF_INET, *iface, 0, &ss, &len) && ParseAddr(AF_INET6, *iface, 0, &ss, &len)) {
      return -EINVAL;
    }
    int rc;
    if (ss.ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      rc = setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &a->sin_addr, sizeof a->sin_addr);
    } else {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      rc = setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &a->sin6_scope_id, sizeof a->sin6_scope_id);
    }
    return rc ? NegErrno() : 0;
  }

  // uv_udp_set_membership: the group's family picks IPv4 (ip_mreq) or IPv6 (ipv6_mreq, interface
  // by scope id of the iface address).
  int Membership(const sockaddr_storage& g, const std::string* iface, bool join) override {
    if (closed) return -EBADF;
    int rc = MaybeDeferredBind(g.ss_family, true);
    if (rc) return rc;
    if (g.ss_family == AF_INET) {
      ip_mreq m;
      memset(&m, 0, sizeof m);
      if (Iface4(iface, &m.imr_interface)) return -EINVAL;
      m.imr_multiaddr = reinterpret_cast<const sockaddr_in*>(&g)->sin_addr;
      rc = setsockopt(fd, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &m, sizeof m);
    } else {
      ipv6_mreq m;
      memset(&m, 0, sizeof m);
      if (Iface6(iface, &m.ipv6mr_interface)) return -EINVAL;
      m.ipv6mr_multiaddr = reinterpret_cast<const sockaddr_in6*>(&g)->sin6_addr;
      rc = setsockopt(fd, IPPROTO_IPV6, join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP, &m, sizeof m);
    }
    return rc ? NegErrno() : 0;
  }

  // uv_udp_set_source_membership: ip_mreq_source for IPv4, group_source_req for IPv6.
  int SourceMembership(const sockaddr_storage& s, const sockaddr_storage& g, const std::string* iface,
                       bool join) override {
    if (closed) return -EBADF;
    int rc = MaybeDeferredBind(g.ss_family, true);
    if (rc) return rc;
    if (g.ss_family == AF_INET) {
      ip_mreq_source m;
      memset(&m, 0, sizeof m);
      if (Iface4(iface, &m.imr_interface)) return -EINVAL;
      m.imr_multiaddr = reinterpret_cast<const sockaddr_in*>(&g)->sin_addr;
      m.imr_sourceaddr = reinterpret_cast<const sockaddr_in*>(&s)->sin_addr;
      rc = setsockopt(fd, IPPROTO_IP, join ? IP_ADD_SOURCE_MEMBERSHIP : IP_DROP_SOURCE_MEMBERSHIP, &m, sizeof m);
    } else {
      group_source_req m;
      memset(&m, 0, sizeof m);
      uint32_t scope;
      if (Iface6(iface, &scope)) return -EINVAL;
      m.gsr_interface = scope;
      memcpy(&m.gsr_group, &g, sizeof(sockaddr_in6));
      memcpy(&m.gsr_source, &s, sizeof(sockaddr_in6));
      rc = setsockopt(fd, IPPROTO_IPV6, join ? MCAST_JOIN_SOURCE_GROUP : MCAST_LEAVE_SOURCE_GROUP, &m, sizeof m);
    }
    return rc ? NegErrno() : 0;
  }

  int BufferSize(int size, bool recv) override {
    if (closed || fd < 0) return -EBADF;
    int opt = recv ? SO_RCVBUF : SO_SNDBUF;
    int v = size;
    if (v == 0) {
      socklen_t len = sizeof v;
      if (getsockopt(fd, SOL_SOCKET, opt, &v, &len)) return NegErrno();
      return v;
    }
    if (setsockopt(fd, SOL_SOCKET, opt, &v, sizeof v)) return NegErrno();
    return v;
  }

  size_t SendQueueSize() const override { return send_bytes; }
  uint32_t SendQueueCount() const override { return send_count; }
  int Fd() const override { return closed ? -1 : fd; }
  int Family() const override { return family; }
  void SetRef(bool on) override { SetRefed(on); }
  const transport::Counters& counters() const override { return ctr; }

  void Close() override {
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
    Unlist();
  }

  bool TakeSendDone(std::vector<int32_t>* ids, std::vector<int32_t>* results) override {
    return done.Take(ids, results);
  }

  DgramBatch* Received() override {
    keys.clear();  // the owner takes (and clears) the batch now
    return &rx;
  }

  bool TakeErrors(std::vector<int32_t>* out) override {
    if (errs.empty()) return false;
    out->swap(errs);
    errs.clear();
    return true;
  }
};

transport::DgramTransport* NewUdpTransport(Engine* engine, int family) {
  auto* t = new UdpTransport(engine, family);
  t->Ref();  // the owner's, dropped by Release()
  return t;
}

}  // namespace ringsock::uring
