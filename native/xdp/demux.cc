// See demux.h.
#include "demux.h"

#include <algorithm>
#include <cstring>

namespace ringsock::xdp {

using stack::Verdict;

Demux::FlowKey Demux::KeyOf(uint8_t proto, const FourTuple& t) {
  FlowKey k{};
  k[0] = proto;
  k[1] = t.local.family;
  memcpy(&k[2], t.local.b, 16);
  k[18] = t.remote.family;
  memcpy(&k[19], t.remote.b, 16);
  k[35] = uint8_t(t.local_port >> 8);
  k[36] = uint8_t(t.local_port);
  k[37] = uint8_t(t.remote_port >> 8);
  k[38] = uint8_t(t.remote_port);
  return k;
}

size_t Demux::FlowHash::operator()(const FlowKey& k) const {
  // FNV-1a: the key is short and fixed, the table small.
  uint64_t h = 1469598103934665603ull;
  for (uint8_t b : k) h = (h ^ b) * 1099511628211ull;
  return size_t(h);
}

void Demux::AddPort(uint8_t proto, uint16_t port, Endpoint* e) { ports_[PortKey(proto, port)].push_back(e); }

void Demux::RemovePort(uint8_t proto, uint16_t port, Endpoint* e) {
  auto it = ports_.find(PortKey(proto, port));
  if (it == ports_.end()) return;
  auto& v = it->second;
  v.erase(std::remove(v.begin(), v.end(), e), v.end());
  if (v.empty()) ports_.erase(it);
}

void Demux::AddFlow(uint8_t proto, const FourTuple& t, Endpoint* e) { flows_[KeyOf(proto, t)] = e; }

void Demux::RemoveFlow(uint8_t proto, const FourTuple& t) { flows_.erase(KeyOf(proto, t)); }

void Demux::Remove(Endpoint* e) {
  for (auto it = ports_.begin(); it != ports_.end();) {
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), e), v.end());
    it = v.empty() ? ports_.erase(it) : std::next(it);
  }
  for (auto it = flows_.begin(); it != flows_.end();) it = it->second == e ? flows_.erase(it) : std::next(it);
  dirty_.erase(std::remove(dirty_.begin(), dirty_.end(), e), dirty_.end());
  e->dirty = false;
}

void Demux::Clear() {
  for (Endpoint* e : dirty_) e->dirty = false;
  ports_.clear();
  flows_.clear();
  dirty_.clear();
}

void Demux::MarkDirty(Endpoint* e) {
  if (e->dirty) return;
  e->dirty = true;
  dirty_.push_back(e);
}

void Demux::TakeDirty(std::vector<Endpoint*>* out) {
  out->clear();
  out->swap(dirty_);
}

void Demux::Receive(const uint8_t* frame, uint32_t len, const RxInterface& iface, const RxFrom& from,
                    RxCounters* c) {
  stack::UdpView v;
  Verdict verdict = stack::ParseUdp(frame, len, &v);
  c->verdicts[size_t(verdict)]++;
  if (verdict != Verdict::kOk) return;
  // What the kernel would not deliver is not delivered here either (stack/admit.h).
  stack::Refusal refusal = stack::Admit(v, iface.mac, v.dst.family == 4 ? *iface.conf4 : *iface.conf6, *iface.facts);
  if (refusal != stack::Refusal::kNone) {
    c->refusals[size_t(refusal)]++;
    return;
  }
  if (!flows_.empty()) {
    auto f = flows_.find(KeyOf(stack::kProtoUdp, FourTuple{v.dst, v.src, v.dport, v.sport}));
    if (f != flows_.end()) {
      Hand(f->second, v, from);
      return;
    }
  }
  auto it = ports_.find(PortKey(stack::kProtoUdp, v.dport));
  if (it == ports_.end()) {
    c->no_socket++;
    return;
  }
  // Unicast: the socket bound to the exact address wins over a wildcard one (like the kernel's
  // udp lookup scoring). Multicast/broadcast: every socket that accepts it (SO_REUSEADDR).
  const stack::IpAddr& d = v.dst;
  bool multi = d.IsMulticast() || iface.facts->IsSubnetBroadcast(d) ||
               (d.family == 4 && d.b[0] == 255 && d.b[1] == 255 && d.b[2] == 255 && d.b[3] == 255);
  Endpoint* best = nullptr;
  bool delivered = false;
  for (Endpoint* e : it->second) {
    if (!e->Accepts(v)) continue;
    if (multi) {
      Hand(e, v, from);
      delivered = true;
    } else if (!best || (best->Wildcard() && !e->Wildcard())) {
      best = e;
    }
  }
  if (best) {
    Hand(best, v, from);
    delivered = true;
  }
  if (!delivered) c->no_socket++;
}

}  // namespace ringsock::xdp
