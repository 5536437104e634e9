// See xsk_udp.h.
#include "xsk_udp.h"

#include <errno.h>
#include <algorithm>
#include "device.h"
#include "engine.h"
#include "netns.h"

namespace ringsock::xdp {

using stack::UdpView;

XskUdp::~XskUdp() { Close(); }

// Interface choice (docs/XDP.md): the interface that owns a specific bound address; for a
// wildcard, the ones RINGSOCK_IFACE names, else every non-loopback one that is up; in the host's
// own network namespace only the named ones.
int XskUdp::Attach(const IpAddr& address, uint16_t port, bool ipv6only, const std::string& names, std::string* why) {
  if (closed_ || !engine_) return -EBADF;
  if (attached_) return -EINVAL;
  bound_ = address;
  port_ = port;
  ipv6only_ = ipv6only;
  IpAddr local = bound_.Unmapped();
  std::vector<IfInfo> all = ListInterfaces(), chosen;
  NetnsCheck host = names.empty() ? CheckHostNetns() : NetnsCheck{};
  if (names.empty() && host.maybe_host) {
    // Safety: in the host's own network namespace (or one not provably another) only
    // interfaces named in RINGSOCK_IFACE are bypassed, never "every interface that is up" (the
    // management NIC among them). The socket works as a plain io_uring socket.
    *why = "no interface bypassed: " + host.why + ", where ringsock bypasses only the interfaces named in RINGSOCK_IFACE";
  } else if (!local.IsUnspecified()) {
    // The interface that owns the bound address (if RINGSOCK_IFACE lists it, when given);
    // loopback means no bypass at all.
    for (auto& i : all) {
      bool listed = names.empty() || ("," + names + ",").find("," + i.name + ",") != std::string::npos;
      for (auto& a : i.addrs)
        if (a == local && !i.loopback && listed) chosen.push_back(i);
    }
  } else if (!names.empty()) {
    size_t start = 0;
    while (start <= names.size()) {
      size_t comma = names.find(',', start);
      std::string n = names.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      start = comma == std::string::npos ? names.size() + 1 : comma + 1;
      if (n.empty()) continue;
      auto it = std::find_if(all.begin(), all.end(), [&](const IfInfo& i) { return i.name == n; });
      if (it == all.end()) {
        *why = "RINGSOCK_IFACE names " + n + ", which is not an interface of this network namespace";
        return -ENODEV;
      }
      if (it->loopback) continue;
      if (!it->up) {
        *why = "RINGSOCK_IFACE names " + n + ", which is down";
        return -ENETDOWN;
      }
      chosen.push_back(*it);
    }
  } else {
    for (auto& i : all)
      if (i.up && !i.loopback) chosen.push_back(i);
  }
  std::string note;
  int err = engine_->Attach(this, chosen, &note);
  if (!note.empty()) *why = note;   // on success: interfaces left to the kernel
  if (err) return err;
  attached_ = true;
  engine_->RefChanged();   // now that refed() can be true
  return 0;
}

void XskUdp::Connect(const IpAddr& peer, uint16_t port) {
  peer_ = peer.Unmapped();
  peer_port_ = port;
  connected_ = true;
}

void XskUdp::SetRef(bool on) {
  refed_ = on;
  if (engine_) engine_->RefChanged();
}

void XskUdp::Membership(const IpAddr& group, bool join) {
  IpAddr g = group.Unmapped();
  auto it = std::find(groups_.begin(), groups_.end(), g);
  if (join && it == groups_.end()) {
    groups_.push_back(g);
    if (engine_) engine_->JoinGroup(g, true);
  } else if (!join && it != groups_.end()) {
    groups_.erase(it);
    if (engine_) engine_->JoinGroup(g, false);
  }
}

void XskUdp::Close() {
  if (closed_) return;
  closed_ = true;
  if (engine_) {
    for (auto& g : groups_) engine_->JoinGroup(g, false);
  }
  groups_.clear();
  if (attached_ && engine_) engine_->Detach(this);
  attached_ = false;
  rx_.Clear();
}

void XskUdp::EngineGone() {
  engine_ = nullptr;
  attached_ = false;
  devices_.clear();
  for (FlowQueue& f : flows_) f.queue = nullptr;
}

size_t XskUdp::FlowSlot(const IpAddr& a, uint16_t port) {
  uint32_t h = port * 2654435761u;
  for (int i = a.family == 4 ? 0 : 12; i < 16; i++) h = (h ^ a.b[i]) * 16777619u;
  h ^= a.b[3] | a.b[7] << 8 | a.b[11] << 16;
  return (h ^ h >> 16) % kFlowSlots;
}

bool XskUdp::Accepts(const UdpView& v) const {
  if (!attached_) return false;
  if (v.dst.family == 4) {
    if (family_ == 6 && (ipv6only_ || !(bound_.IsUnspecified() || bound_.IsV4Mapped()))) return false;
  } else if (family_ == 4) {
    return false;
  }
  IpAddr b = bound_.Unmapped();
  if (!b.IsUnspecified() && !(b == v.dst)) return false;
  if (connected_ && (!(peer_ == v.src) || peer_port_ != v.sport)) return false;
  return true;
}

std::vector<uint8_t> XskUdp::Families() const {
  if (family_ == 4 || bound_.IsV4Mapped()) return {4};
  if (ipv6only_ || !bound_.IsUnspecified()) return {6};
  return {4, 6};
}

void XskUdp::Take(const UdpView& v, const RxFrom& from) {
  if (!receiving_) {
    ctr_.drops++;
    return;
  }
  ctr_.rx_messages++;
  ctr_.rx_bytes += v.len;
  if (rx_.sources.empty() || !(last_src_ == v.src) || last_if_ != from.ifname) {
    last_if_ = from.ifname;
    rx_.AddSource(SourceString(v.src, *from.ifname));
  }
  last_src_ = v.src;
  FlowQueue& f = flows_[FlowSlot(v.src, v.sport)];
  f.src = v.src;
  f.port = v.sport;
  f.queue = from.queue;
  rx_.Append(v.payload, v.len, v.sport, int32_t(rx_.sources.size() - 1));
}

void XskUdp::Deliver() {
  if (closed_ || !owner_) {
    rx_.Clear();
    return;
  }
  // While the callback of a one-datagram delivery runs, its first send is kicked at once.
  if (engine_) engine_->SetKickFirstSend(rx_.meta.size() == 4);
  owner_->XskNews();
  if (engine_) engine_->SetKickFirstSend(false);
}

void XskUdp::WantDelivery() {
  if (engine_ && attached_) engine_->WantDelivery(this);
}

std::string XskUdp::SourceString(const IpAddr& a, const std::string& ifname) const {
  bool link_local = a.family == 6 && a.b[0] == 0xfe && (a.b[1] & 0xc0) == 0x80;
  return FormatIp(family_ == 6 ? a.Mapped() : a) + (link_local ? "%" + ifname : "");
}

bool XskUdp::PathFor(const IpAddr& to, uint16_t dport, size_t len, XskPath* out) {
  if (closed_ || !attached_ || devices_.empty() || !engine_) return false;
  IpAddr dst = to.Unmapped();
  // A destination of the other family: the kernel half reports the error.
  if ((family_ == 4 && dst.family != 4) || (family_ == 6 && dst.family == 4 && ipv6only_)) return false;
  // Broadcasts, and multicast that must loop back to local sockets, take the kernel path:
  // it delivers the local copies the wire never brings back.
  bool limited_bcast = dst.family == 4 && dst.b[0] == 255 && dst.b[1] == 255 && dst.b[2] == 255 && dst.b[3] == 255;
  if (limited_bcast || (dst.IsMulticast() && mcast_loop_)) return false;
  const NextHop& hop = engine_->Resolve(this, dst);
  if (!hop.dev) return false;
  IpAddr src = bound_.Unmapped();
  if (src.IsUnspecified() || src.family != dst.family) {
    src = hop.src;
    if (src.family != dst.family) {
      src = IpAddr{};
      for (auto& a : hop.dev->info().addrs)
        if (a.family == dst.family && !(a.family == 6 && a.b[0] == 0xfe && (a.b[1] & 0xc0) == 0x80)) {
          src = a;
          break;
        }
      if (src.family != dst.family) return false;
    }
  }
  uint32_t flen = stack::UdpFrameLen(dst.family, uint32_t(len));
  if (len > 0xffff || flen > Queue::kFrameSize || flen > hop.dev->info().mtu + stack::kEthHdr)
    return false;   // needs fragmentation: the kernel does it
  // The queue the flow came from (RSS keeps a flow on one queue), else the device's first.
  const FlowQueue& f = flows_[FlowSlot(dst, dport)];
  Queue* q = f.queue && f.port == dport && f.src == dst && hop.dev->Owns(f.queue) ? f.queue : hop.dev->TxQueue();
  if (!q || !q->TxRoom()) return false;   // every XSK TX buffer in flight
  out->hop = &hop;
  out->queue = q;
  out->src = src;
  out->dst = dst;
  out->dport = dport;
  return true;
}

void XskUdp::Transmit(const XskPath& path, const struct iovec* parts, size_t n) {
  stack::Slice few[4];
  std::vector<stack::Slice> many;
  stack::Slice* slices = few;
  if (n > 4) {
    many.resize(n);
    slices = many.data();
  }
  uint32_t payload = 0;
  for (size_t i = 0; i < n; i++) {
    slices[i] = stack::Slice{static_cast<const uint8_t*>(parts[i].iov_base), uint32_t(parts[i].iov_len)};
    payload += uint32_t(parts[i].iov_len);
  }
  uint64_t addr = 0;
  uint8_t* buf = path.queue->TxAlloc(&addr);   // PathFor saw room
  if (!buf) return;
  stack::UdpSpec spec;
  spec.src_mac = path.hop->dev->info().mac;
  spec.dst_mac = path.hop->mac;
  spec.src = path.src;
  spec.dst = path.dst;
  spec.sport = port_;
  spec.dport = path.dport;
  spec.ttl = path.dst.IsMulticast() ? mcast_ttl_ : ttl_;
  spec.ip_id = ip_id_++;
  uint32_t len = stack::BuildUdp(buf, Queue::kFrameSize, spec, slices, uint32_t(n));
  path.queue->TxPush(addr, len);
  engine_->TxQueued(path.queue);
  ctr_.tx_messages++;
  ctr_.tx_bytes += payload;
}

}  // namespace ringsock::xdp
