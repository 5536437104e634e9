#include "js/udp_socket.h"
#include <sys/uio.h>
#include <climits>
#include <string>
#include <vector>
#include "addon.h"
#include "common/callback.h"
#include "common/errors.h"
#include "common/sockaddr.h"
#include "js/address.h"
#include "js/counters.h"
#include "js/environment.h"
#include "uring/engine.h"
#include "uring/udp_transport.h"

namespace ringsock::js {

static Napi::Value Num(const Napi::CallbackInfo& info, int64_t v) { return Napi::Number::New(info.Env(), v); }

#define OPEN_OR_EBADF() \
  if (!t_ || closed_) return Num(info, -EBADF)

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
      InstanceMethod<&UdpSocket::Stats>("stats", kHandleMethodAttrs),
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
  // A second argument (the interfaces to bypass, "" for the default choice) asks for a bypass
  // socket (xdp/bypass_udp.h) instead of a kernel one.
  bool bypass = info.Length() > 1 && !info[1].IsUndefined();
  std::string ifaces;
  if (bypass && !ArgStr(info, 1, &ifaces, "ifaces")) return;
  Addon* addon = Addon::Of(env);
  std::string err;
  int family = fam == 6 ? AF_INET6 : AF_INET;
  if (bypass) {
    t_ = addon->new_bypass_udp ? addon->new_bypass_udp(addon, family, ifaces, &err) : nullptr;
    if (!addon->new_bypass_udp) err = "this build of ringsock has no AF_XDP";
  } else if (uring::Engine* e = UringOf(addon, &err)) {
    t_ = uring::NewUdpTransport(e, family);
  }
  if (!t_) {
    Napi::Error::New(env, "ringsock: " + err).ThrowAsJavaScriptException();
    return;
  }
  t_->SetOwner(this);
  Napi::Object self = info.This().As<Napi::Object>();
  napi_create_reference(env, self, 1, &self_);
  self.Set("onmessages", env.Null());
  self.Set("onsenddone", env.Null());
  self.Set("onerror", env.Null());
}

UdpSocket::~UdpSocket() {
  delivery_.Release(Env());
  if (self_) napi_delete_reference(Env(), self_);
  if (!t_) return;
  t_->SetOwner(nullptr);
  t_->Release();
}

// Completions first: those sends left before these datagrams were read, and a 'message'
// listener that closes the socket must not turn them into ECANCELED (Node reports them).
void UdpSocket::DeliverNews() {
  napi_value obj;
  if (closed_ || !self_ || napi_get_reference_value(Env(), self_, &obj) != napi_ok || !obj) return;
  Napi::Env env = Env();
  Napi::Object self(env, obj);
  uring::Engine* e = Addon::Of(env)->uring;
  static thread_local std::vector<int32_t> ids, results, errs;
  if (t_->TakeSendDone(&ids, &results)) {
    if (e) e->stats.js_calls++;
    CallJsCompletions(env, self, "onsenddone", &ids, &results);
    if (closed_) return;
  }
  transport::DgramBatch* batch = t_->Received();
  if (!batch->empty()) {
    Napi::Value fn = self.Get("onmessages");
    if (!fn.IsFunction()) {
      batch->Clear();
    } else if (delivery_.Deliver(env, self, fn, batch)) {
      if (e) e->stats.js_calls++;
      if (closed_) return;
      delivery_.Trim(env);
    }
  }
  if (!t_->TakeErrors(&errs)) return;
  for (int32_t err : errs) {
    if (closed_) return;
    napi_value argv[1] = {Napi::Number::New(env, err)};
    if (e) e->stats.js_calls++;
    CallJs(env, self, "onerror", 1, argv);
  }
}

Napi::Value UdpSocket::Fd(const Napi::CallbackInfo& info) { return Num(info, t_ ? t_->Fd() : -1); }

Napi::Value UdpSocket::Bind(const Napi::CallbackInfo& info) {
  std::string ip;
  int64_t port, flags;
  if (!ArgStr(info, 0, &ip, "address") || !ArgInt(info, 1, &port, "port") || !ArgInt(info, 2, &flags, "flags"))
    return info.Env().Undefined();
  OPEN_OR_EBADF();
  sockaddr_storage ss;
  socklen_t len;
  if (ParseAddr(t_->Family(), ip, static_cast<int>(port), &ss, &len)) return Num(info, -EINVAL);
  int rc = t_->Bind(ss, len, static_cast<unsigned>(flags));
  EmitWarnings(info.Env());
  return Num(info, rc);
}

// What the transport has to say in words (a bypass socket left to the kernel, and why), as
// Node's own warnings: process.emitWarning(text, { code }).
void UdpSocket::EmitWarnings(Napi::Env env) {
  std::string code, text;
  while (t_ && t_->TakeWarning(&code, &text)) {
    Napi::Object process = env.Global().Get("process").As<Napi::Object>();
    Napi::Value emit = process.Get("emitWarning");
    if (!emit.IsFunction()) continue;
    Napi::Object opts = Napi::Object::New(env);
    opts.Set("code", code);
    emit.As<Napi::Function>().Call(process, {Napi::String::New(env, "ringsock: " + text), opts});
  }
}

Napi::Value UdpSocket::Connect(const Napi::CallbackInfo& info) {
  std::string ip;
  int64_t port;
  if (!ArgStr(info, 0, &ip, "address") || !ArgInt(info, 1, &port, "port")) return info.Env().Undefined();
  OPEN_OR_EBADF();
  if (t_->Connected()) return Num(info, -EISCONN);
  sockaddr_storage ss;
  socklen_t len;
  if (ParseAddr(t_->Family(), ip, static_cast<int>(port), &ss, &len)) return Num(info, -EINVAL);
  return Num(info, t_->Connect(ss, len));
}

// libuv's uv_udp_open: adopt a datagram socket (bind({fd})).
Napi::Value UdpSocket::Open(const Napi::CallbackInfo& info) {
  int64_t fd;
  if (!ArgInt(info, 0, &fd, "fd")) return info.Env().Undefined();
  OPEN_OR_EBADF();
  int rc = t_->Open(static_cast<int>(fd), info.Length() > 1 && info[1].ToBoolean());
  if (rc == 0) dst_port_ = -1;  // a cached destination was parsed for the old family
  EmitWarnings(info.Env());
  return Num(info, rc);
}

Napi::Value UdpSocket::Disconnect(const Napi::CallbackInfo& info) {
  OPEN_OR_EBADF();
  return Num(info, t_->Disconnect());
}

Napi::Value UdpSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static thread_local std::vector<Chunk> chunks;  // reused: no allocation per datagram
  static thread_local std::vector<iovec> parts;
  size_t total = 0;
  if (!GetChunks(env, info[0], &chunks, &total)) return env.Undefined();
  bool has_addr = false;
  std::string ip;
  int64_t port = 0, req = 0;
  if (!ArgOptStr(info, 1, &ip, &has_addr, "address") || !ArgInt(info, 2, &port, "port") ||
      !ArgInt(info, 3, &req, "reqId"))
    return env.Undefined();
  OPEN_OR_EBADF();
  // uv__udp_check_before_send
  if (has_addr && t_->Connected()) return Num(info, -EISCONN);
  if (!has_addr && !t_->Connected()) return Num(info, -EDESTADDRREQ);
  if (has_addr && !(dst_port_ == port && dst_ip_ == ip)) {
    // A server answers the same few peers: the last destination is parsed once.
    if (ParseAddr(t_->Family(), ip, static_cast<int>(port), &dst_addr_, &dst_len_)) {
      dst_port_ = -1;
      return Num(info, -EINVAL);
    }
    dst_ip_ = ip;
    dst_port_ = port;
  }
  parts.clear();
  for (const Chunk& ch : chunks) parts.push_back({const_cast<char*>(ch.data), ch.len});
  chunks.clear();
  int rc = t_->Send(parts.data(), parts.size(), total, has_addr ? &dst_addr_ : nullptr, dst_len_,
                    static_cast<int32_t>(req));
  return Num(info, rc);
}

Napi::Value UdpSocket::RecvStart(const Napi::CallbackInfo& info) {
  OPEN_OR_EBADF();
  return Num(info, t_->RecvStart());
}

Napi::Value UdpSocket::RecvStop(const Napi::CallbackInfo& info) {
  OPEN_OR_EBADF();
  return Num(info, t_->RecvStop());
}

Napi::Value UdpSocket::Name(const Napi::CallbackInfo& info, bool peer) {
  return AddressToJs(info, [&](sockaddr_storage* ss, socklen_t* len) {
    if (!t_ || closed_) return -EBADF;
    return peer ? t_->PeerAddress(ss, len) : t_->LocalAddress(ss, len);
  });
}

Napi::Value UdpSocket::GetSockName(const Napi::CallbackInfo& info) { return Name(info, false); }
Napi::Value UdpSocket::GetPeerName(const Napi::CallbackInfo& info) { return Name(info, true); }

Napi::Value UdpSocket::SetBroadcast(const Napi::CallbackInfo& info) {
  OPEN_OR_EBADF();
  return Num(info, t_->SetOpt(SOL_SOCKET, SO_BROADCAST, ArgBool(info, 0) ? 1 : 0));
}

Napi::Value UdpSocket::SetTTL(const Napi::CallbackInfo& info) {
  int64_t ttl;
  if (!ArgInt(info, 0, &ttl, "ttl")) return info.Env().Undefined();
  OPEN_OR_EBADF();
  if (ttl < 1 || ttl > 255) return Num(info, -EINVAL);
  return Num(info, t_->SetOpt46(IP_TTL, IPV6_UNICAST_HOPS, static_cast<int>(ttl)));
}

Napi::Value UdpSocket::SetMulticastTTL(const Napi::CallbackInfo& info) {
  int64_t ttl;
  if (!ArgInt(info, 0, &ttl, "ttl")) return info.Env().Undefined();
  OPEN_OR_EBADF();
  if (ttl < 0 || ttl > 255) return Num(info, -EINVAL);
  return Num(info, t_->SetOpt46(IP_MULTICAST_TTL, IPV6_MULTICAST_HOPS, static_cast<int>(ttl)));
}

Napi::Value UdpSocket::SetMulticastLoopback(const Napi::CallbackInfo& info) {
  OPEN_OR_EBADF();
  return Num(info, t_->SetOpt46(IP_MULTICAST_LOOP, IPV6_MULTICAST_LOOP, ArgBool(info, 0) ? 1 : 0));
}

Napi::Value UdpSocket::SetMulticastInterface(const Napi::CallbackInfo& info) {
  std::string iface;
  bool has = false;
  if (!ArgOptStr(info, 0, &iface, &has, "interface")) return info.Env().Undefined();
  OPEN_OR_EBADF();
  return Num(info, t_->SetMulticastInterface(has ? &iface : nullptr));
}

// The group's family picks IPv4 or IPv6 (uv_udp_set_membership).
Napi::Value UdpSocket::Membership(const Napi::CallbackInfo& info, bool join) {
  std::string group, iface;
  bool has_iface = false;
  if (!ArgStr(info, 0, &group, "group") || !ArgOptStr(info, 1, &iface, &has_iface, "interface"))
    return info.Env().Undefined();
  OPEN_OR_EBADF();
  sockaddr_storage g;
  socklen_t len;
  if (ParseAddr(AF_INET, group, 0, &g, &len) && ParseAddr(AF_INET6, group, 0, &g, &len)) return Num(info, -EINVAL);
  return Num(info, t_->Membership(g, has_iface ? &iface : nullptr, join));
}

// uv_udp_set_source_membership: the source must be of the group's family.
Napi::Value UdpSocket::SourceMembership(const Napi::CallbackInfo& info, bool join) {
  std::string source, group, iface;
  bool has_iface = false;
  if (!ArgStr(info, 0, &source, "source") || !ArgStr(info, 1, &group, "group") ||
      !ArgOptStr(info, 2, &iface, &has_iface, "interface"))
    return info.Env().Undefined();
  OPEN_OR_EBADF();
  sockaddr_storage g, s;
  socklen_t len;
  if (ParseAddr(AF_INET, group, 0, &g, &len) && ParseAddr(AF_INET6, group, 0, &g, &len)) return Num(info, -EINVAL);
  if (ParseAddr(g.ss_family, source, 0, &s, &len)) return Num(info, -EINVAL);
  return Num(info, t_->SourceMembership(s, g, has_iface ? &iface : nullptr, join));
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
  OPEN_OR_EBADF();
  if (t_->Fd() < 0) return Num(info, -EBADF);
  if (size < 0 || size > INT32_MAX) return Num(info, -EINVAL);
  return Num(info, t_->BufferSize(static_cast<int>(size), recv));
}

Napi::Value UdpSocket::GetSendQueueSize(const Napi::CallbackInfo& info) {
  return Num(info, t_ ? static_cast<int64_t>(t_->SendQueueSize()) : 0);
}
Napi::Value UdpSocket::GetSendQueueCount(const Napi::CallbackInfo& info) {
  return Num(info, t_ ? t_->SendQueueCount() : 0);
}

// A bypass socket adds its halves and the interfaces it bypasses (docs/STATS.md).
Napi::Value UdpSocket::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = CountersObject(env, t_ ? &t_->counters() : nullptr);
  transport::DgramHalves halves;
  if (!t_ || !t_->Halves(&halves)) return o;
  o.Set("xsk", CountersObject(env, &halves.xsk));
  o.Set("kernel", CountersObject(env, &halves.kernel));
  Napi::Array ifs = Napi::Array::New(env, halves.interfaces.size());
  for (uint32_t i = 0; i < halves.interfaces.size(); i++) ifs.Set(i, halves.interfaces[i]);
  o.Set("interfaces", ifs);
  return o;
}

Napi::Value UdpSocket::Ref(const Napi::CallbackInfo& info) {
  if (t_) t_->SetRef(true);
  return info.Env().Undefined();
}

Napi::Value UdpSocket::Unref(const Napi::CallbackInfo& info) {
  if (t_) t_->SetRef(false);
  return info.Env().Undefined();
}

Napi::Value UdpSocket::Close(const Napi::CallbackInfo& info) {
  if (!t_ || closed_) return info.Env().Undefined();
  closed_ = true;
  t_->Close();
  delivery_.Release(info.Env());
  if (self_) {
    napi_delete_reference(info.Env(), self_);
    self_ = nullptr;
  }
  return info.Env().Undefined();
}

void InitUdp(Napi::Env env, Napi::Object exports) {
  Napi::Function udp = UdpSocket::Class(env);
  Addon::Of(env)->udpCtor = Napi::Persistent(udp);
  exports.Set("UdpSocket", udp);
}

}  // namespace ringsock::js
