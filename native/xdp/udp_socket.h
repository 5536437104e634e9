// XdpUdp: the AF_XDP half of a bypass UDP socket. src/backends/xdp.ts pairs it with the
// io_uring UdpSocket bound to the same address and port (DESIGN.md decision 5): that one holds
// the port and serves loopback / non-bypassed traffic; this one receives what the steering
// program redirects to the port and sends what is routed through a bypassed interface.
//
// JS API (all return 0 / >= 0 or -errno; `lastError` holds the words of the last failure):
//   new XdpUdp(family 4|6)
//   attach(address, port, ipv6only, ifaces)   after the kernel socket's bind
//   connect(address, port) / disconnect()
//   send(chunks, address|null, port) -> 1 sent on an XSK, 0 "use the kernel socket", -errno
//   recvStart() / recvStop() / ref() / unref() / close()
//   setTTL(n) / setMulticastTTL(n) / setMulticastLoopback(b) / membership(group, join)
//   stats() -> counters;  onmessages(area, bytes, meta, ints, addrs) once per wake-up, through
//     this socket's delivery area (js/dgram_delivery.h; src/backends/types.ts OnMessages)
#pragma once
#include <napi.h>
#include <string>
#include <vector>
#include "js/dgram_delivery.h"
#include "transport/dgram_batch.h"
#include "netlink.h"

namespace ringsock::xdp {

class Engine;
class Device;

struct SocketCounters {
  uint64_t rx = 0, tx = 0, tx_kernel = 0, dropped = 0;
};

class UdpSocket : public Napi::ObjectWrap<UdpSocket> {
 public:
  static Napi::Function Class(Napi::Env env);
  explicit UdpSocket(const Napi::CallbackInfo& info);
  ~UdpSocket() override;

  // Used by the engine's dispatch.
  bool Accepts(const stack::UdpView& v) const;
  // The IP families whose datagrams this socket takes: 4, 6, or both (a dual-stack wildcard).
  std::vector<uint8_t> Families() const;
  // ifname scopes a link-local source as Node does (fe80::1%eth0).
  void Append(const stack::UdpView& v, const std::string& ifname);
  void Deliver(Napi::Env env);
  uint16_t port() const { return port_; }
  const IpAddr& bound() const { return bound_; }
  bool wildcard() const { return bound_.IsUnspecified(); }
  bool refed() const { return refed_ && attached_; }
  bool attached() const { return attached_; }
  // The engine is being destroyed (environment teardown): forget it.
  // Keep the wrapper alive across a delivery round (a callback may close the socket).
  void Hold() { Napi::ObjectWrap<UdpSocket>::Ref(); }
  void Release() { Napi::ObjectWrap<UdpSocket>::Unref(); }
  void EngineGone() { engine_ = nullptr; attached_ = false; devices_.clear(); }
  std::vector<Device*>& devices() { return devices_; }
  SocketCounters counters;
  bool dirty = false;

 private:
  Napi::Value Attach(const Napi::CallbackInfo& info);
  Napi::Value Connect(const Napi::CallbackInfo& info);
  Napi::Value Disconnect(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value RecvStart(const Napi::CallbackInfo& info);
  Napi::Value RecvStop(const Napi::CallbackInfo& info);
  Napi::Value SetTTL(const Napi::CallbackInfo& info);
  Napi::Value SetMulticastTTL(const Napi::CallbackInfo& info);
  Napi::Value SetMulticastLoopback(const Napi::CallbackInfo& info);
  Napi::Value Membership(const Napi::CallbackInfo& info);
  Napi::Value JsRef(const Napi::CallbackInfo& info);
  Napi::Value JsUnref(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value GetLastError(const Napi::CallbackInfo& info);
  Napi::Value GetOnMessages(const Napi::CallbackInfo& info);
  void SetOnMessages(const Napi::CallbackInfo& info, const Napi::Value& v);
  std::string SourceString(const IpAddr& a, const std::string& ifname) const;
  void DoClose();

  Engine* engine_ = nullptr;
  uint8_t family_ = 4;
  bool ipv6only_ = false, receiving_ = false, refed_ = true, attached_ = false, closed_ = false;
  bool connected_ = false, mcast_loop_ = true;
  uint8_t ttl_ = 64, mcast_ttl_ = 1;
  uint16_t port_ = 0, peer_port_ = 0, ip_id_ = 0;
  IpAddr bound_, peer_;
  std::vector<Device*> devices_;
  std::vector<IpAddr> groups_;
  std::string last_error_;
  // The batch being gathered for the next onmessages call, and its delivery (js/dgram_delivery.h).
  transport::DgramBatch rx_;
  IpAddr last_src_;
  const std::string* last_if_ = nullptr;
  js::DgramDelivery delivery_;
  Napi::FunctionReference onmessages_;
  // The last destination string of send() and what it parsed to (no allocation per send).
  char dst_str_[64] = {};
  size_t dst_len_ = 0;
  IpAddr dst_parsed_;
  bool dst_ok_ = false;
  // While the callback of a one-datagram delivery runs, its first send is kicked at once
  // instead of at the end of the tick: nothing else can join that kick (latency).
  bool kick_first_send_ = false;
};

}  // namespace ringsock::xdp
