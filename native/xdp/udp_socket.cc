// See udp_socket.h.
#include "udp_socket.h"

#include <errno.h>
#include <algorithm>
#include <cstring>
#include "engine.h"
#include "netns.h"

namespace ringsock::xdp {

using stack::UdpView;

Napi::Function UdpSocket::Class(Napi::Env env) {
  return DefineClass(env, "XdpUdp",
                     {
                         InstanceMethod<&UdpSocket::Attach>("attach"),
                         InstanceMethod<&UdpSocket::Connect>("connect"),
                         InstanceMethod<&UdpSocket::Disconnect>("disconnect"),
                         InstanceMethod<&UdpSocket::Send>("send"),
                         InstanceMethod<&UdpSocket::RecvStart>("recvStart"),
                         InstanceMethod<&UdpSocket::RecvStop>("recvStop"),
                         InstanceMethod<&UdpSocket::SetTTL>("setTTL"),
                         InstanceMethod<&UdpSocket::SetMulticastTTL>("setMulticastTTL"),
                         InstanceMethod<&UdpSocket::SetMulticastLoopback>("setMulticastLoopback"),
                         InstanceMethod<&UdpSocket::Membership>("membership"),
                         InstanceMethod<&UdpSocket::JsRef>("ref"),
                         InstanceMethod<&UdpSocket::JsUnref>("unref"),
                         InstanceMethod<&UdpSocket::Close>("close"),
                         InstanceMethod<&UdpSocket::Stats>("stats"),
                         InstanceAccessor<&UdpSocket::GetLastError>("lastError"),
                         InstanceAccessor<&UdpSocket::GetOnMessages, &UdpSocket::SetOnMessages>("onmessages"),
                     });
}

UdpSocket::UdpSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<UdpSocket>(info) {
  Addon* addon = Addon::Of(info.Env());
  engine_ = addon ? addon->xdp : nullptr;
  family_ = info.Length() > 0 && info[0].As<Napi::Number>().Int32Value() == 6 ? 6 : 4;
  if (!engine_) {
    Napi::Error::New(info.Env(), "ringsock: xdpConfigure() must run before XdpUdp is created")
        .ThrowAsJavaScriptException();
  }
}

UdpSocket::~UdpSocket() {
  // Attached sockets hold a reference on their wrapper, so this only runs after close() or
  // after the engine is gone.
  if (engine_ && attached_) engine_->Detach(this);
  delivery_.Release(Env());
}

Napi::Value UdpSocket::GetLastError(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), last_error_);
}

Napi::Value UdpSocket::Attach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_ || !engine_) return Napi::Number::New(env, -EBADF);
  if (attached_) return Napi::Number::New(env, -EINVAL);
  std::string address = info[0].As<Napi::String>();
  port_ = uint16_t(info[1].As<Napi::Number>().Uint32Value());
  ipv6only_ = info[2].ToBoolean();
  std::string names = info.Length() > 3 && info[3].IsString() ? info[3].As<Napi::String>().Utf8Value() : "";
  if (!ParseIp(address, &bound_)) {
    last_error_ = "not an IP address: " + address;
    return Napi::Number::New(env, -EINVAL);
  }
  IpAddr local = bound_.Unmapped();
  std::vector<IfInfo> all = ListInterfaces(), chosen;
  last_error_.clear();
  NetnsCheck host = names.empty() ? CheckHostNetns() : NetnsCheck{};
  if (names.empty() && host.maybe_host) {
    // Safety: in the host's own network namespace (or one not provably another) only
    // interfaces named in RINGSOCK_IFACE are bypassed, never "every interface that is up" (the
    // management NIC among them). The socket works as a plain io_uring socket; `lastError`
    // says why, xdp.ts warns once.
    last_error_ = "no interface bypassed: " + host.why +
                  ", where ringsock bypasses only the interfaces named in RINGSOCK_IFACE";
  } else if (!local.IsUnspecified()) {
    // The interface that owns the bound address (if RINGSOCK_IFACE lists it, when given);
    // loopback means no bypass at all.
    for (auto& i : all) {
      bool listed = names.empty() || ("," + names + ",").find("," + i.name + ",") != std::string::npos;
      for (auto& a : i.addrs)
        if (a == local && !i.loopback && listed) chosen.push_back(i);
    }
  } else if (!names.empty() && local.IsUnspecified()) {
    size_t start = 0;
    while (start <= names.size()) {
      size_t comma = names.find(',', start);
      std::string n = names.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      start = comma == std::string::npos ? names.size() + 1 : comma + 1;
      if (n.empty()) continue;
      auto it = std::find_if(all.begin(), all.end(), [&](const IfInfo& i) { return i.name == n; });
      if (it == all.end()) {
        last_error_ = "RINGSOCK_IFACE names " + n + ", which is not an interface of this network namespace";
        return Napi::Number::New(env, -ENODEV);
      }
      if (it->loopback) continue;
      if (!it->up) {
        last_error_ = "RINGSOCK_IFACE names " + n + ", which is down";
        return Napi::Number::New(env, -ENETDOWN);
      }
      chosen.push_back(*it);
    }
  } else {
    for (auto& i : all)
      if (i.up && !i.loopback) chosen.push_back(i);
  }
  std::string why;
  int err = engine_->Attach(this, chosen, &why);
  if (!why.empty()) last_error_ = why;   // on success: a note (interfaces left to the kernel)
  if (err) return Napi::Number::New(env, err);
  attached_ = true;
  engine_->RefChanged();                // now that refed() can be true
  Napi::ObjectWrap<UdpSocket>::Ref();   // alive while attached, even if JS drops it
  return Napi::Number::New(env, 0);
}

Napi::Value UdpSocket::Connect(const Napi::CallbackInfo& info) {
  if (!ParseIp(info[0].As<Napi::String>(), &peer_)) return Napi::Number::New(info.Env(), -EINVAL);
  peer_ = peer_.Unmapped();
  peer_port_ = uint16_t(info[1].As<Napi::Number>().Uint32Value());
  connected_ = true;
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value UdpSocket::Disconnect(const Napi::CallbackInfo& info) {
  connected_ = false;
  return Napi::Number::New(info.Env(), 0);
}

bool UdpSocket::Accepts(const UdpView& v) const {
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

std::vector<uint8_t> UdpSocket::Families() const {
  if (family_ == 4 || bound_.IsV4Mapped()) return {4};
  if (ipv6only_ || !bound_.IsUnspecified()) return {6};
  return {4, 6};
}

void UdpSocket::Append(const UdpView& v, const std::string& ifname) {
  if (!receiving_) {
    counters.dropped++;
    return;
  }
  counters.rx++;
  if (rx_.sources.empty() || !(last_src_ == v.src) || last_if_ != &ifname) {
    last_src_ = v.src;
    last_if_ = &ifname;
    rx_.AddSource(SourceString(v.src, ifname));
  }
  rx_.Append(v.payload, v.len, v.sport, int32_t(rx_.sources.size() - 1));
}

Napi::Value UdpSocket::GetOnMessages(const Napi::CallbackInfo& info) {
  Napi::Value fn = onmessages_.IsEmpty() ? Napi::Value() : onmessages_.Value();
  return fn.IsEmpty() ? info.Env().Null() : fn;
}

void UdpSocket::SetOnMessages(const Napi::CallbackInfo& info, const Napi::Value& v) {
  // The wrapper object keeps the function alive (a hidden property); the native side holds
  // it weakly, so a closure over the wrapper makes no cycle through a strong reference.
  Value().Set("__onmessages", v);
  if (v.IsFunction()) onmessages_ = Napi::Weak(v.As<Napi::Function>());
  else onmessages_.Reset();
}

// As Node formats a source: an IPv4 source of an IPv6 socket as ::ffff:a.b.c.d, a link-local
// one with its interface (fe80::1%eth0).
std::string UdpSocket::SourceString(const IpAddr& a, const std::string& ifname) const {
  bool link_local = a.family == 6 && a.b[0] == 0xfe && (a.b[1] & 0xc0) == 0x80;
  return FormatIp(family_ == 6 ? a.Mapped() : a) + (link_local ? "%" + ifname : "");
}

void UdpSocket::Deliver(Napi::Env env) {
  if (rx_.empty()) return;
  Napi::Function fn = onmessages_.IsEmpty() ? Napi::Function() : onmessages_.Value();
  if (fn.IsEmpty() || closed_) {
    rx_.Clear();
    return;
  }
  // While the callback runs, its first send is kicked at once (see kick_first_send_).
  kick_first_send_ = rx_.meta.size() == 4;
  // The tick queue runs when the call returns, so the sends made by the callback are kicked
  // (xdpFlush from process.nextTick) before the engine goes on.
  bool called = delivery_.Deliver(env, Value(), fn, &rx_);
  kick_first_send_ = false;
  if (called && !closed_) delivery_.Trim(env);
}

Napi::Value UdpSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_ || !attached_ || devices_.empty() || !engine_) return Napi::Number::New(env, 0);
  IpAddr dst;
  uint16_t dport;
  if (info[1].IsString()) {
    char buf[sizeof dst_str_];
    size_t len = 0;
    napi_get_value_string_latin1(env, info[1], buf, sizeof buf, &len);
    if (len >= sizeof buf - 1) {
      if (!ParseIp(info[1].As<Napi::String>(), &dst)) return Napi::Number::New(env, 0);
    } else {
      if (len != dst_len_ || memcmp(buf, dst_str_, len) != 0) {
        memcpy(dst_str_, buf, len + 1);
        dst_len_ = len;
        dst_ok_ = ParseIp(std::string(buf, len), &dst_parsed_);
      }
      if (!dst_ok_) return Napi::Number::New(env, 0);
      dst = dst_parsed_;
    }
    dport = uint16_t(info[2].As<Napi::Number>().Uint32Value());
  } else {
    if (!connected_) return Napi::Number::New(env, 0);
    dst = peer_;
    dport = peer_port_;
  }
  dst = dst.Unmapped();
  if ((family_ == 4 && dst.family != 4) || (family_ == 6 && dst.family == 4 && ipv6only_))
    return Napi::Number::New(env, 0);   // the kernel socket reports the error
  // Broadcasts, and multicast that must loop back to local sockets, take the kernel path:
  // it delivers the local copies the wire never brings back.
  bool limited_bcast = dst.family == 4 && dst.b[0] == 255 && dst.b[1] == 255 && dst.b[2] == 255 && dst.b[3] == 255;
  if (limited_bcast || (dst.IsMulticast() && mcast_loop_)) {
    counters.tx_kernel++;
    return Napi::Number::New(env, 0);
  }
  const NextHop& hop = engine_->Resolve(this, dst);
  if (!hop.dev) {
    counters.tx_kernel++;
    return Napi::Number::New(env, 0);
  }
  stack::UdpSpec spec;
  spec.src = bound_.Unmapped();
  if (spec.src.IsUnspecified() || spec.src.family != dst.family) {
    spec.src = hop.src;
    if (spec.src.family != dst.family) {
      spec.src = IpAddr{};
      for (auto& a : hop.dev->info().addrs)
        if (a.family == dst.family && !(a.family == 6 && a.b[0] == 0xfe && (a.b[1] & 0xc0) == 0x80)) {
          spec.src = a;
          break;
        }
      if (spec.src.family != dst.family) return Napi::Number::New(env, 0);
    }
  }
  // One Buffer (the usual datagram) or an array of them: a lone Buffer skips the array's
  // length and element lookups, slow paths through N-API.
  auto slice_of = [env](napi_value c, stack::Slice* out) {
    bool is_typed = false;
    void* data = nullptr;
    size_t len = 0;
    napi_is_typedarray(env, c, &is_typed);
    if (is_typed) {
      napi_typedarray_type type;
      size_t count = 0;
      napi_get_typedarray_info(env, c, &type, &count, &data, nullptr, nullptr);
      static const uint8_t kElem[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8};   // napi_typedarray_type order
      len = size_t(type) < sizeof kElem ? count * kElem[type] : Napi::TypedArray(env, c).ByteLength();
    } else {
      bool is_view = false;
      napi_is_dataview(env, c, &is_view);
      if (!is_view) return false;
      napi_get_dataview_info(env, c, &len, &data, nullptr, nullptr);
    }
    *out = stack::Slice{static_cast<const uint8_t*>(data), uint32_t(len)};
    return true;
  };
  stack::Slice few[4];
  std::vector<stack::Slice> many;
  stack::Slice* slices = few;
  uint32_t n = 1, payload = 0;
  bool is_array = false;
  napi_is_array(env, info[0], &is_array);
  if (!is_array) {
    if (!slice_of(info[0], &few[0])) return Napi::Number::New(env, 0);   // the kernel half reports it
  } else {
    Napi::Array chunks = info[0].As<Napi::Array>();
    n = chunks.Length();
    if (n > 4) {
      many.resize(n);
      slices = many.data();
    }
    for (uint32_t i = 0; i < n; i++)
      if (!slice_of(chunks.Get(i), &slices[i])) return Napi::Number::New(env, 0);
  }
  for (uint32_t i = 0; i < n; i++) payload += slices[i].n;
  uint32_t flen = stack::UdpFrameLen(dst.family, payload);
  if (flen > Queue::kFrameSize || flen > hop.dev->info().mtu + stack::kEthHdr) {
    counters.tx_kernel++;   // needs fragmentation: the kernel does it
    return Napi::Number::New(env, 0);
  }
  Queue* q = hop.dev->TxQueue();
  uint64_t addr = 0;
  uint8_t* buf = q ? q->TxAlloc(&addr) : nullptr;
  if (!buf) {
    counters.tx_kernel++;   // every XSK buffer in flight: the kernel socket takes this one
    return Napi::Number::New(env, 0);
  }
  spec.src_mac = hop.dev->info().mac;
  spec.dst_mac = hop.mac;
  spec.dst = dst;
  spec.sport = port_;
  spec.dport = dport;
  spec.ttl = dst.IsMulticast() ? mcast_ttl_ : ttl_;
  spec.ip_id = ip_id_++;
  uint32_t len = stack::BuildUdp(buf, Queue::kFrameSize, spec, slices, n);
  q->TxPush(addr, len);
  if (kick_first_send_) {
    kick_first_send_ = false;
    q->Flush();
  } else {
    engine_->MarkTxPending(q);
  }
  counters.tx++;
  // 2: sent from a delivery callback, so the engine kicks it when the callbacks return and
  // JS need not schedule a flush of its own.
  return Napi::Number::New(env, engine_->flushes_after() ? 2 : 1);
}

Napi::Value UdpSocket::RecvStart(const Napi::CallbackInfo& info) {
  receiving_ = true;
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value UdpSocket::RecvStop(const Napi::CallbackInfo& info) {
  receiving_ = false;
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value UdpSocket::SetTTL(const Napi::CallbackInfo& info) {
  ttl_ = uint8_t(info[0].As<Napi::Number>().Uint32Value());
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value UdpSocket::SetMulticastTTL(const Napi::CallbackInfo& info) {
  mcast_ttl_ = uint8_t(info[0].As<Napi::Number>().Uint32Value());
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value UdpSocket::SetMulticastLoopback(const Napi::CallbackInfo& info) {
  mcast_loop_ = info[0].ToBoolean();
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value UdpSocket::Membership(const Napi::CallbackInfo& info) {
  IpAddr g;
  if (!ParseIp(info[0].As<Napi::String>(), &g)) return Napi::Number::New(info.Env(), -EINVAL);
  g = g.Unmapped();
  bool join = info[1].ToBoolean();
  auto it = std::find(groups_.begin(), groups_.end(), g);
  if (join && it == groups_.end()) {
    groups_.push_back(g);
    if (engine_) engine_->JoinGroup(g, true);
  } else if (!join && it != groups_.end()) {
    groups_.erase(it);
    if (engine_) engine_->JoinGroup(g, false);
  }
  return Napi::Number::New(info.Env(), 0);
}

Napi::Value UdpSocket::JsRef(const Napi::CallbackInfo& info) {
  refed_ = true;
  if (engine_) engine_->RefChanged();
  return info.Env().Undefined();
}

Napi::Value UdpSocket::JsUnref(const Napi::CallbackInfo& info) {
  refed_ = false;
  if (engine_) engine_->RefChanged();
  return info.Env().Undefined();
}

void UdpSocket::DoClose() {
  if (closed_) return;
  closed_ = true;
  dirty = false;
  if (engine_) {
    for (auto& g : groups_) engine_->JoinGroup(g, false);
  }
  groups_.clear();
  if (attached_) {
    if (engine_) engine_->Detach(this);
    attached_ = false;
    Napi::ObjectWrap<UdpSocket>::Unref();
  }
}

Napi::Value UdpSocket::Close(const Napi::CallbackInfo& info) {
  DoClose();
  delivery_.Release(info.Env());
  return info.Env().Undefined();
}

Napi::Value UdpSocket::Stats(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("port", port_);
  o.Set("address", FormatIp(bound_));
  o.Set("rx", double(counters.rx));
  o.Set("tx", double(counters.tx));
  o.Set("tx_kernel", double(counters.tx_kernel));
  o.Set("dropped", double(counters.dropped));
  Napi::Array ifs = Napi::Array::New(info.Env());
  for (uint32_t i = 0; i < devices_.size(); i++) ifs.Set(i, devices_[i]->info().name);
  o.Set("interfaces", ifs);
  return o;
}

}  // namespace ringsock::xdp
