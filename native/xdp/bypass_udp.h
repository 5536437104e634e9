// The bypass UDP socket (KERNEL_BYPASS=1) as one transport::DgramTransport, so the JS class of
// every UDP socket (js/udp_socket.h) serves it as it serves a kernel one. It is a superset of
// a kernel socket (DESIGN.md decision 5): the kernel half (kernel UDP on io_uring) binds first,
// holds the port, serves loopback and the interfaces that are not bypassed, reassembles
// fragments, and sends what the XSK half cannot; the XSK half (xsk_udp.h) takes what the
// steering program redirects to the port and sends what is routed through a bypassed
// interface. The send decision is made and carried out here, in Send. No N-API.
#pragma once
#include <functional>
#include <string>
#include <vector>
#include "transport/completions.h"
#include "transport/dgram.h"
#include "xsk_udp.h"

namespace ringsock::xdp {

class Engine;

// A new bypass socket of `engine` for AF_INET / AF_INET6 (released with Release()).
// new_kernel_half: a kernel UDP transport of the same family (again after a failed bind, so the
// port is free for another try); ifaces: RINGSOCK_IFACE (docs/XDP.md, Interface choice).
transport::DgramTransport* NewBypassUdp(Engine* engine, int family, const std::string& ifaces,
                                        std::function<transport::DgramTransport*()> new_kernel_half);

class BypassUdp final : public transport::DgramTransport, transport::DgramOwner, XskUdp::Owner {
 public:
  BypassUdp(Engine* engine, int family, std::string ifaces, std::function<transport::DgramTransport*()> new_kernel);

  void SetOwner(transport::DgramOwner* owner) override { owner_ = owner; }
  void Release() override;
  int Bind(const sockaddr_storage& addr, socklen_t len, unsigned flags) override;
  int Open(int fd, bool dup) override;
  int Connect(const sockaddr_storage& addr, socklen_t len) override;
  int Disconnect() override;
  bool Connected() const override { return kernel_->Connected(); }
  int Send(const struct iovec* parts, size_t n, size_t len, const sockaddr_storage* dst, socklen_t dst_len,
           int32_t id) override;
  int RecvStart() override;
  int RecvStop() override;
  int LocalAddress(sockaddr_storage* out, socklen_t* len) const override { return kernel_->LocalAddress(out, len); }
  int PeerAddress(sockaddr_storage* out, socklen_t* len) const override { return kernel_->PeerAddress(out, len); }
  int SetOpt(int level, int name, int value) override { return kernel_->SetOpt(level, name, value); }
  int SetOpt46(int opt4, int opt6, int value) override;
  int SetMulticastInterface(const std::string* iface) override { return kernel_->SetMulticastInterface(iface); }
  int Membership(const sockaddr_storage& group, const std::string* iface, bool join) override;
  int SourceMembership(const sockaddr_storage& source, const sockaddr_storage& group, const std::string* iface,
                       bool join) override;
  int BufferSize(int size, bool recv) override { return kernel_->BufferSize(size, recv); }
  size_t SendQueueSize() const override { return kernel_->SendQueueSize(); }
  uint32_t SendQueueCount() const override { return kernel_->SendQueueCount(); }
  int Fd() const override { return kernel_->Fd(); }
  int Family() const override { return family_; }
  void SetRef(bool on) override;
  const transport::Counters& counters() const override;
  bool Halves(transport::DgramHalves* out) const override;
  bool TakeWarning(std::string* code, std::string* text) override;
  void Close() override;
  bool TakeSendDone(std::vector<int32_t>* ids, std::vector<int32_t>* results) override;
  transport::DgramBatch* Received() override;
  bool TakeErrors(std::vector<int32_t>* errs) override;

  // transport::DgramOwner: the kernel half's news; XskUdp::Owner: the XSK half's.
  void DeliverNews() override;
  void XskNews() override;
  void Hold() override { refs_++; }
  void Unhold() override;

 private:
  enum class Half : uint8_t { kNone, kKernel, kXsk };
  ~BypassUdp();
  // After the kernel half bound (or adopted a bound fd): the XSK half owns the same port.
  int AttachXsk(bool ipv6only, std::string* why);
  void Warn(const char* code, std::string text);

  int family_;
  std::string ifaces_;
  std::function<transport::DgramTransport*()> new_kernel_;
  transport::DgramTransport* kernel_;
  XskUdp xsk_;
  transport::DgramOwner* owner_ = nullptr;
  int refs_ = 1;   // the owner's (Release) and one per delivery round holding it
  bool closed_ = false;
  Half delivering_ = Half::kNone;
  // Sends that left on an XSK and asked for a completion: reported at the next delivery.
  transport::Completions done_;
  // The connected peer, for sends without a destination.
  IpAddr peer_;
  uint16_t peer_port_ = 0;
  std::vector<std::pair<std::string, std::string>> warnings_;
  mutable transport::Counters sum_;
};

}  // namespace ringsock::xdp
