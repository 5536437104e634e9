// Which transport a received frame belongs to: the frame path of one interface from the raw
// frame to the endpoint that takes it. Parse and validate (stack/packet.h), the kernel's
// acceptance rules (stack/admit.h), then the lookup by (IP protocol, 4-tuple) for connected
// flows and by (IP protocol, local port) for bound sockets. Every frame that is not taken is
// counted by reason. Pure code: no syscall, no N-API, driven alone by native/test/xdp_demux_test.
//
// A transport joins by registering an Endpoint: the UDP XSK half (xsk_udp.h) by local port; a
// stream transport over AF_XDP would register its listener by port and each connection by its
// 4-tuple, under stack::kProtoTcp, once stack/ parses TCP.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>
#include "stack/admit.h"
#include "stack/packet.h"

namespace ringsock::xdp {

class Queue;

// Where a frame came in: the interface's name (scopes link-local sources) and rx queue (a reply
// leaves on the queue its flow came from).
struct RxFrom {
  const std::string* ifname = nullptr;
  Queue* queue = nullptr;
  uint32_t queue_id = 0;
};

class Endpoint {
 public:
  virtual ~Endpoint() = default;
  // The socket's own filter (family, bound address, connected peer), as the kernel's lookup.
  virtual bool Accepts(const stack::UdpView& v) const = 0;
  // Bound to the wildcard address: loses against an exact bind for unicast.
  virtual bool Wildcard() const = 0;
  // The datagram is this endpoint's; its bytes are only valid during the call.
  virtual void Take(const stack::UdpView& v, const RxFrom& from) = 0;
  // The engine's delivery point, once per round for every endpoint that took something.
  virtual void Deliver() = 0;
  // Kept alive across a delivery round (a callback may close another socket).
  virtual void Hold() {}
  virtual void Unhold() {}
  bool dirty = false;   // took something since the last delivery (Demux::TakeDirty)
};

// Per interface: why frames were not delivered (stats().xdp.interfaces[IF]).
struct RxCounters {
  uint64_t verdicts[size_t(stack::Verdict::kCount)] = {};
  uint64_t refusals[size_t(stack::Refusal::kCount)] = {};   // stack::Admit's, by reason
  uint64_t no_socket = 0;
};

// What stack::Admit and the multicast fan-out need to know of the receiving interface.
struct RxInterface {
  stack::Mac mac{};
  const stack::RxConf* conf4 = nullptr;
  const stack::RxConf* conf6 = nullptr;
  stack::RxFacts* facts = nullptr;
};

class Demux {
 public:
  struct FourTuple {
    stack::IpAddr local, remote;
    uint16_t local_port = 0, remote_port = 0;
  };

  void AddPort(uint8_t proto, uint16_t port, Endpoint* e);
  void RemovePort(uint8_t proto, uint16_t port, Endpoint* e);
  // A connected flow: looked up before the ports, exactly.
  void AddFlow(uint8_t proto, const FourTuple& t, Endpoint* e);
  void RemoveFlow(uint8_t proto, const FourTuple& t);
  // Forgets e everywhere (and its pending delivery).
  void Remove(Endpoint* e);
  bool HasPort(uint8_t proto, uint16_t port) const { return ports_.count(PortKey(proto, port)) > 0; }

  // One received frame: parsed, judged, handed to its endpoint(s) or counted in *c.
  void Receive(const uint8_t* frame, uint32_t len, const RxInterface& iface, const RxFrom& from, RxCounters* c);
  // e has news for the next delivery round (it took a frame, or a send completed).
  void MarkDirty(Endpoint* e);
  // The endpoints marked since the last call, each once; still marked, so that Remove during
  // the round can unmark one that must not be delivered any more.
  void TakeDirty(std::vector<Endpoint*>* out);
  void Clear();

 private:
  static uint32_t PortKey(uint8_t proto, uint16_t port) { return uint32_t(proto) << 16 | port; }
  using FlowKey = std::array<uint8_t, 1 + 2 * 17 + 4>;
  static FlowKey KeyOf(uint8_t proto, const FourTuple& t);
  struct FlowHash {
    size_t operator()(const FlowKey& k) const;
  };
  void Hand(Endpoint* e, const stack::UdpView& v, const RxFrom& from) {
    e->Take(v, from);
    MarkDirty(e);
  }

  std::unordered_map<uint32_t, std::vector<Endpoint*>> ports_;
  std::unordered_map<FlowKey, Endpoint*, FlowHash> flows_;
  std::vector<Endpoint*> dirty_;
};

}  // namespace ringsock::xdp
