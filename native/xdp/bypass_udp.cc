// See bypass_udp.h.
#include "bypass_udp.h"

#include <errno.h>
#include <netinet/in.h>
#include <cstring>
#include "common/sockaddr.h"
#include "device.h"
#include "engine.h"

namespace ringsock::xdp {

namespace {

bool ToIp(const sockaddr_storage& ss, IpAddr* ip, uint16_t* port) {
  if (ss.ss_family == AF_INET) {
    auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    *ip = IpAddr{};
    ip->family = 4;
    memcpy(ip->b, &a->sin_addr, 4);
    if (port) *port = ntohs(a->sin_port);
    return true;
  }
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    *ip = IpAddr{};
    ip->family = 6;
    memcpy(ip->b, &a->sin6_addr, 16);
    if (port) *port = ntohs(a->sin6_port);
    return true;
  }
  return false;
}

std::string Where(const sockaddr_storage& ss) {
  int port = 0;
  std::string ip = ringsock::FormatIp(reinterpret_cast<const sockaddr*>(&ss), &port);
  return ip + ":" + std::to_string(port);
}

}  // namespace

transport::DgramTransport* NewBypassUdp(Engine* engine, int family, const std::string& ifaces,
                                        std::function<transport::DgramTransport*()> new_kernel_half) {
  return new BypassUdp(engine, family, ifaces, std::move(new_kernel_half));
}

BypassUdp::BypassUdp(Engine* engine, int family, std::string ifaces,
                     std::function<transport::DgramTransport*()> new_kernel)
    : family_(family),
      ifaces_(std::move(ifaces)),
      new_kernel_(std::move(new_kernel)),
      kernel_(new_kernel_()),
      xsk_(engine, family == AF_INET6 ? 6 : 4, this) {
  kernel_->SetOwner(this);
}

BypassUdp::~BypassUdp() {
  kernel_->SetOwner(nullptr);
  kernel_->Release();
}

void BypassUdp::Release() {
  owner_ = nullptr;
  Close();
  Unhold();
}

void BypassUdp::Unhold() {
  if (--refs_ == 0) delete this;
}

void BypassUdp::Warn(const char* code, std::string text) { warnings_.emplace_back(code, std::move(text)); }

bool BypassUdp::TakeWarning(std::string* code, std::string* text) {
  if (warnings_.empty()) return false;
  *code = std::move(warnings_.front().first);
  *text = std::move(warnings_.front().second);
  warnings_.erase(warnings_.begin());
  return true;
}

int BypassUdp::AttachXsk(bool ipv6only, std::string* why) {
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int rc = kernel_->LocalAddress(&ss, &len);
  if (rc) return rc;
  IpAddr ip;
  uint16_t port = 0;
  if (!ToIp(ss, &ip, &port)) return -EINVAL;
  return xsk_.Attach(ip, port, ipv6only, ifaces_, why);
}

int BypassUdp::Bind(const sockaddr_storage& addr, socklen_t len, unsigned flags) {
  int rc = kernel_->Bind(addr, len, flags);
  if (rc) return rc;
  std::string why;
  int arc = AttachXsk((flags & kIpv6Only) != 0, &why);
  sockaddr_storage local;
  socklen_t llen = sizeof local;
  std::string where = kernel_->LocalAddress(&local, &llen) == 0 ? Where(local) : "the socket";
  if (arc == -EALREADY || arc == -EXFULL) {
    // Another ringsock process bypasses the interface, or other environments of this one own
    // every queue of it: this socket is a kernel socket there.
    Warn(arc == -EXFULL ? "RINGSOCK_XDP_NO_QUEUE" : "RINGSOCK_XDP_SHARED", where + " is served by io_uring: " + why);
    return 0;
  }
  if (arc) {
    // The kernel socket must not keep the port: a later bind() may try again.
    Warn("RINGSOCK_XDP_BIND", "AF_XDP bind of " + where + " failed: " + why);
    kernel_->SetOwner(nullptr);
    kernel_->Close();
    kernel_->Release();
    kernel_ = new_kernel_();
    kernel_->SetOwner(this);
    return arc;
  }
  if (!why.empty() && xsk_.engine() && !xsk_.engine()->noted_no_interface) {
    xsk_.engine()->noted_no_interface = true;
    Warn("RINGSOCK_XDP_NO_INTERFACE", why);
  }
  return 0;
}

// bind({fd}): the kernel half adopts the fd; the XSK half attaches to its address. If that
// fails the socket keeps serving on io_uring (the fd is the caller's: it cannot be undone).
int BypassUdp::Open(int fd, bool dup) {
  int rc = kernel_->Open(fd, dup);
  if (rc) return rc;
  sockaddr_storage local;
  socklen_t llen = sizeof local;
  IpAddr ip;
  uint16_t port = 0;
  if (kernel_->LocalAddress(&local, &llen) || !ToIp(local, &ip, &port) || !port) return 0;
  std::string why;
  if (xsk_.Attach(ip, port, false, ifaces_, &why))
    Warn("RINGSOCK_XDP_BIND", "AF_XDP for the adopted fd " + std::to_string(fd) + " (" + Where(local) +
                                  ") failed, it is served by io_uring: " + why);
  return 0;
}

int BypassUdp::Connect(const sockaddr_storage& addr, socklen_t len) {
  int rc = kernel_->Connect(addr, len);
  if (rc) return rc;
  IpAddr ip;
  uint16_t port = 0;
  if (ToIp(addr, &ip, &port)) {
    peer_ = ip;
    peer_port_ = port;
    if (xsk_.attached()) xsk_.Connect(ip, port);
  }
  return 0;
}

int BypassUdp::Disconnect() {
  int rc = kernel_->Disconnect();
  if (rc == 0) xsk_.Disconnect();
  return rc;
}

// The send decision: on an XSK when the route leaves through a bypassed interface with a
// usable neighbour entry and the frame fits; through the kernel half otherwise (which also
// reports every error a kernel socket would).
int BypassUdp::Send(const struct iovec* parts, size_t n, size_t len, const sockaddr_storage* dst,
                    socklen_t dst_len, int32_t id) {
  IpAddr ip = peer_;
  uint16_t port = peer_port_;
  bool have = dst ? ToIp(*dst, &ip, &port) : kernel_->Connected();
  XskPath path;
  if (!closed_ && have && xsk_.attached() && xsk_.PathFor(ip, port, len, &path)) {
    xsk_.Transmit(path, parts, n);
    if (id) {
      done_.Add(id, int32_t(len));
      xsk_.WantDelivery();
    }
    return 0;
  }
  return kernel_->Send(parts, n, len, dst, dst_len, id);
}

int BypassUdp::RecvStart() {
  int rc = kernel_->RecvStart();
  if (rc == 0) xsk_.SetReceiving(true);
  return rc;
}

int BypassUdp::RecvStop() {
  xsk_.SetReceiving(false);
  return kernel_->RecvStop();
}

int BypassUdp::SetOpt46(int opt4, int opt6, int value) {
  int rc = kernel_->SetOpt46(opt4, opt6, value);
  if (rc) return rc;
  if (opt4 == IP_TTL) xsk_.SetTtl(uint8_t(value));
  else if (opt4 == IP_MULTICAST_TTL) xsk_.SetMulticastTtl(uint8_t(value));
  else if (opt4 == IP_MULTICAST_LOOP) xsk_.SetMulticastLoop(value != 0);
  return 0;
}

// Joins go through the kernel half (IGMP / MLD, DESIGN.md decision 6); the XSK half only learns
// that the group's frames are wanted.
int BypassUdp::Membership(const sockaddr_storage& group, const std::string* iface, bool join) {
  int rc = kernel_->Membership(group, iface, join);
  IpAddr g;
  if (rc == 0 && ToIp(group, &g, nullptr)) xsk_.Membership(g, join);
  return rc;
}

int BypassUdp::SourceMembership(const sockaddr_storage& source, const sockaddr_storage& group,
                                const std::string* iface, bool join) {
  int rc = kernel_->SourceMembership(source, group, iface, join);
  IpAddr g;
  if (rc == 0 && ToIp(group, &g, nullptr)) xsk_.Membership(g, join);
  return rc;
}

void BypassUdp::SetRef(bool on) {
  kernel_->SetRef(on);
  xsk_.SetRef(on);
}

const transport::Counters& BypassUdp::counters() const {
  const transport::Counters &k = kernel_->counters(), &x = xsk_.counters();
  sum_.rx_messages = k.rx_messages + x.rx_messages;
  sum_.rx_bytes = k.rx_bytes + x.rx_bytes;
  sum_.tx_messages = k.tx_messages + x.tx_messages;
  sum_.tx_bytes = k.tx_bytes + x.tx_bytes;
  sum_.drops = k.drops + x.drops;
  sum_.errors = k.errors + x.errors;
  return sum_;
}

bool BypassUdp::Halves(transport::DgramHalves* out) const {
  out->xsk = xsk_.counters();
  out->kernel = kernel_->counters();
  out->interfaces.clear();
  for (Device* d : const_cast<XskUdp&>(xsk_).devices()) out->interfaces.push_back(d->info().name);
  return true;
}

void BypassUdp::Close() {
  if (closed_) return;
  closed_ = true;
  done_.Clear();
  xsk_.Close();
  kernel_->Close();
}

void BypassUdp::DeliverNews() {
  if (!owner_ || closed_) return;
  delivering_ = Half::kKernel;
  owner_->DeliverNews();
  delivering_ = Half::kNone;
}

void BypassUdp::XskNews() {
  if (!owner_ || closed_) {
    xsk_.batch()->Clear();
    return;
  }
  delivering_ = Half::kXsk;
  owner_->DeliverNews();
  delivering_ = Half::kNone;
}

bool BypassUdp::TakeSendDone(std::vector<int32_t>* ids, std::vector<int32_t>* results) {
  if (delivering_ == Half::kKernel) return kernel_->TakeSendDone(ids, results);
  return done_.Take(ids, results);
}

transport::DgramBatch* BypassUdp::Received() {
  return delivering_ == Half::kKernel ? kernel_->Received() : xsk_.batch();
}

bool BypassUdp::TakeErrors(std::vector<int32_t>* errs) {
  return delivering_ == Half::kKernel && kernel_->TakeErrors(errs);
}

}  // namespace ringsock::xdp
