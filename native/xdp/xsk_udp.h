// The XSK half of a bypass UDP socket (xdp/bypass_udp.h pairs it with a kernel UDP socket bound
// to the same address and port): the datagrams the steering program redirects to the port,
// filtered as the kernel filters for a bound / connected socket, and the datagrams routed
// through a bypassed interface, written as frames onto the TX ring of the queue the flow came
// from. Plain C++, no N-API: 0 or -errno, news gathered for the owner's delivery.
#pragma once
#include <sys/uio.h>
#include <cstdint>
#include <string>
#include <vector>
#include "demux.h"
#include "netlink.h"
#include "transport/counters.h"
#include "transport/dgram_batch.h"

namespace ringsock::xdp {

class Engine;
class Device;
class Queue;
struct NextHop;

// Where one datagram leaves on an XSK: the device, the queue, the addresses of its frame.
struct XskPath {
  const NextHop* hop = nullptr;
  Queue* queue = nullptr;
  IpAddr src, dst;
  uint16_t dport = 0;
};

class XskUdp final : public Endpoint {
 public:
  // The owner hears of news (received datagrams) at the engine's delivery point.
  class Owner {
   public:
    virtual void XskNews() = 0;
    virtual void Hold() = 0;
    virtual void Unhold() = 0;

   protected:
    ~Owner() = default;
  };

  XskUdp(Engine* engine, int family, Owner* owner) : engine_(engine), family_(family == 6 ? 6 : 4), owner_(owner) {}
  ~XskUdp() override;

  // Owns (UDP, port) of `address` on the interfaces chosen for it (docs/XDP.md, Interface
  // choice; `ifaces`: RINGSOCK_IFACE). 0, or -errno with *why; on success *why may hold a note
  // (no interface bypassed, interfaces left to another process). -EALREADY: every interface is
  // another ringsock process's, the kernel half serves the socket.
  int Attach(const IpAddr& address, uint16_t port, bool ipv6only, const std::string& ifaces, std::string* why);
  void Connect(const IpAddr& peer, uint16_t port);
  void Disconnect() { connected_ = false; }
  void SetReceiving(bool on) { receiving_ = on; }
  void SetRef(bool on);
  void SetTtl(uint8_t ttl) { ttl_ = ttl; }
  void SetMulticastTtl(uint8_t ttl) { mcast_ttl_ = ttl; }
  void SetMulticastLoop(bool on) { mcast_loop_ = on; }
  void Membership(const IpAddr& group, bool join);
  void Close();

  // The send decision's XSK side: true and *out when a datagram of `len` payload bytes to
  // dst:dport leaves on an XSK; false when the kernel half must send it (not routed through a
  // bypassed interface, neighbour unresolved, needs fragments, local copies wanted, TX full).
  bool PathFor(const IpAddr& dst, uint16_t dport, size_t len, XskPath* out);
  // Writes the frame on path.queue's TX ring; kicked at once, after the delivery callbacks or
  // at the end of the tick (Engine).
  void Transmit(const XskPath& path, const struct iovec* parts, size_t n);

  // ---- Endpoint (the engine's demux) ----
  bool Accepts(const stack::UdpView& v) const override;
  bool Wildcard() const override { return bound_.IsUnspecified(); }
  void Take(const stack::UdpView& v, const RxFrom& from) override;
  void Deliver() override;
  void Hold() override { owner_->Hold(); }
  void Unhold() override { owner_->Unhold(); }
  // The owner has news of its own (send completions) for the next delivery round.
  void WantDelivery();

  // The IP families whose datagrams this socket takes: 4, 6, or both (a dual-stack wildcard).
  std::vector<uint8_t> Families() const;
  uint16_t port() const { return port_; }
  Engine* engine() const { return engine_; }
  bool refed() const { return refed_ && attached_; }
  bool attached() const { return attached_; }
  bool connected() const { return connected_; }
  std::vector<Device*>& devices() { return devices_; }
  // The batch the owner takes at delivery (transport::DgramTransport::Received).
  transport::DgramBatch* batch() { return &rx_; }
  const transport::Counters& counters() const { return ctr_; }
  // The environment's engine is going away (teardown): forget it.
  void EngineGone();

 private:
  // As Node formats a source: an IPv4 source of an IPv6 socket as ::ffff:a.b.c.d, a link-local
  // one with its interface (fe80::1%eth0).
  std::string SourceString(const IpAddr& a, const std::string& ifname) const;

  Engine* engine_;
  uint8_t family_;
  Owner* owner_;
  bool ipv6only_ = false, receiving_ = false, refed_ = true, attached_ = false, closed_ = false;
  bool connected_ = false, mcast_loop_ = true;
  uint8_t ttl_ = 64, mcast_ttl_ = 1;
  uint16_t port_ = 0, peer_port_ = 0, ip_id_ = 0;
  IpAddr bound_, peer_;
  std::vector<Device*> devices_;
  std::vector<IpAddr> groups_;
  transport::DgramBatch rx_;
  transport::Counters ctr_;
  // The rx queue of recent flows (source address and port), direct-mapped: a reply leaves on
  // the queue its request came in on, with no lookup beyond one slot.
  struct FlowQueue {
    IpAddr src;
    uint16_t port = 0;
    Queue* queue = nullptr;
  };
  static constexpr size_t kFlowSlots = 256;
  static size_t FlowSlot(const IpAddr& a, uint16_t port);
  FlowQueue flows_[kFlowSlots];
  IpAddr last_src_;   // the batch's last source (its string is reused while it repeats)
  const std::string* last_if_ = nullptr;
};

}  // namespace ringsock::xdp
