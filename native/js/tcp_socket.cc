#include "js/tcp_socket.h"
#include <cstring>
#include <string>
#include <vector>
#include "addon.h"
#include "common/callback.h"
#include "common/errors.h"
#include "common/sockaddr.h"
#include "js/address.h"
#include "js/counters.h"
#include "js/stream_batch.h"
#include "js/environment.h"
#include "uring/engine.h"
#include "uring/tcp_transport.h"

namespace ringsock::js {

using transport::StreamWrite;

constexpr size_t kCopyBelow = 64 * 1024;  // smaller writes are copied, larger ones pinned

static Napi::Value Num(const Napi::CallbackInfo& info, int64_t v) { return Napi::Number::New(info.Env(), v); }

#define OPEN_OR_EBADF() \
  if (!t_ || closed_) return Num(info, -EBADF)

Napi::Function TcpSocket::Class(Napi::Env env) {
  return DefineClass(env, "TcpSocket", {
      InstanceAccessor<&TcpSocket::Fd>("fd"),
      InstanceMethod<&TcpSocket::Bind>("bind", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Open>("open", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Listen>("listen", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Connect>("connect", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::ReadStart>("readStart", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::ReadStop>("readStop", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Write>("write", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::WriteQueueSize>("writeQueueSize", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Shutdown>("shutdown", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::SetNoDelay>("setNoDelay", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::SetKeepAlive>("setKeepAlive", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::GetSockName>("getsockname", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::GetPeerName>("getpeername", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::GetSockOpt>("getsockopt", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::SetSockOpt>("setsockopt", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Stats>("stats", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Ref>("ref", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Unref>("unref", kHandleMethodAttrs),
      InstanceMethod<&TcpSocket::Close>("closeHandle", kHandleMethodAttrs),
  });
}

TcpSocket::TcpSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TcpSocket>(info) {
  Napi::Env env = info.Env();
  int64_t fam = 0;
  if (info.Length() > 0 && !info[0].IsUndefined() && !ArgInt(info, 0, &fam, "family")) return;
  if (fam != 0 && fam != 4 && fam != 6) {
    Napi::TypeError::New(env, "family must be 0, 4 or 6").ThrowAsJavaScriptException();
    return;
  }
  Addon* addon = Addon::Of(env);
  if (info.Length() > 1 && info[1].IsExternal()) {  // an accepted connection
    t_ = static_cast<transport::StreamTransport*>(info[1].As<Napi::External<void>>().Data());
  } else {
    std::string err;
    uring::Engine* e = UringOf(addon, &err);
    if (!e) {
      Napi::Error::New(env, "ringsock: " + err).ThrowAsJavaScriptException();
      return;
    }
    t_ = uring::NewTcpTransport(e, fam == 6 ? AF_INET6 : fam == 4 ? AF_INET : 0);
  }
  batch_ = StreamBatch::Of(addon);
  t_->SetOwner(this);
  Napi::Object self = info.This().As<Napi::Object>();
  napi_create_reference(env, self, 1, &self_);
  self.Set("onconnection", env.Null());
  self.Set("onconnect", env.Null());
  self.Set("_onread", env.Null());  // what reads call; see src/backends/types.ts TcpHandle._onread
  // `onread` is an accessor on the prototype (src/net/handle-onread.ts); its slots:
  self.Set("_onreadVisible", env.Null());
  self.Set("_onreadOwn", env.Null());
  self.Set("_onreadOwner", env.Null());
  self.Set("onwritedone", env.Null());
  self.Set("onshutdown", env.Null());
  self.Set("_closed", Napi::Boolean::New(env, false));  // the dispatcher skips closed handles
}

TcpSocket::~TcpSocket() {
  if (self_) napi_delete_reference(Env(), self_);
  if (!t_) return;
  t_->SetOwner(nullptr);
  t_->Release();
}

// The news of this socket, in the order Node's handles report it, into this round's batch.
// Where JS must act on one piece before the next makes sense (connect -> readStart, a read ->
// readStop), the rest waits for the next round of the same wake-up.
void TcpSocket::DeliverNews() {
  napi_value self;
  if (closed_ || !self_ || napi_get_reference_value(Env(), self_, &self) != napi_ok || !self) return;
  batch_->Open();
  int32_t h = batch_->Value(self);
  int status;
  bool connected = t_->TakeConnect(&status);
  if (connected) batch_->Row(kConnect, h, status, 0);
  static thread_local std::vector<transport::Accepted> accepted;
  accepted.clear();
  if (t_->TakeAccepted(&accepted)) {
    Napi::FunctionReference& ctor = Addon::Of(Env())->tcpCtor;
    Napi::Value fam = Napi::Number::New(Env(), t_->Family() == AF_INET6 ? 6 : 4);
    for (const transport::Accepted& a : accepted) {
      if (!a.transport) {
        batch_->Row(kConnection, h, a.status, -1);
        continue;
      }
      Napi::Object client = ctor.New({fam, Napi::External<void>::New(Env(), a.transport)});
      batch_->Row(kConnection, h, 0, batch_->Value(client));
    }
  }
  if (connected) {
    t_->Again();
    batch_->Close();
    return;
  }
  // Writes that finished come before the bytes read in the same wake-up, and those bytes wait
  // for the next loop turn: the peer could only answer what was sent, and libuv never reads
  // in the turn whose poll phase finished a write, so what the write callback scheduled with
  // setImmediate (Node's JSStreamSocket under TLS completes a write there) runs first. Node's
  // http server pauses its parser while a response is still being written, and a TLS socket
  // then hands it bytes it cannot take (HPE_PAUSED: lost requests on https keep-alive).
  static thread_local std::vector<int32_t> ids, results;
  if (t_->TakeWriteDone(&ids, &results)) {
    batch_->WriteDone(h, ids, results);
    if (t_->Reading() && t_->ReadNews()) {
      t_->AgainNextTurn();
      batch_->Close();
      return;
    }
  }
  const char* data;
  size_t len;
  if (t_->Reading() && t_->PeekRead(&data, &len)) {
    // One _onread per block (at most 64 KiB), as libuv reads; a readStop() in its callback
    // must hold the next, so that one is the next round's.
    batch_->Read(h, data, len);
    t_->PopRead();
    if (t_->ReadNews()) {
      t_->Again();
      batch_->Close();
      return;
    }
  } else if (t_->Reading() && t_->TakeEnd(&status)) {
    batch_->Row(kEnd, h, status, 0);
  }
  if (t_->TakeShutdown(&status)) batch_->Row(kShutdown, h, status, 0);
  batch_->Close();
}

Napi::Value TcpSocket::Fd(const Napi::CallbackInfo& info) { return Num(info, t_ && !closed_ ? t_->Fd() : -1); }

Napi::Value TcpSocket::Bind(const Napi::CallbackInfo& info) {
  std::string ip;
  int64_t port, flags = 0;
  if (!ArgStr(info, 0, &ip, "address") || !ArgInt(info, 1, &port, "port")) return info.Env().Undefined();
  if (info.Length() > 2 && !ArgInt(info, 2, &flags, "flags")) return info.Env().Undefined();
  OPEN_OR_EBADF();
  sockaddr_storage ss;
  socklen_t len;
  int fam = t_->Family() ? t_->Family() : FamilyOf(ip);
  if (ParseAddr(fam, ip, static_cast<int>(port), &ss, &len)) return Num(info, -EINVAL);
  return Num(info, t_->Bind(ss, len, static_cast<unsigned>(flags)));
}

// libuv's uv_tcp_open; dup (2nd argument): a duplicate, the caller's fd stays its own.
Napi::Value TcpSocket::Open(const Napi::CallbackInfo& info) {
  int64_t fd;
  if (!ArgInt(info, 0, &fd, "fd")) return info.Env().Undefined();
  OPEN_OR_EBADF();
  if (fd < 0 || fd > INT32_MAX) return Num(info, -EBADF);
  return Num(info, t_->Open(static_cast<int>(fd), info.Length() > 1 && info[1].ToBoolean()));
}

Napi::Value TcpSocket::Listen(const Napi::CallbackInfo& info) {
  int32_t backlog;  // unvalidated by Node's net.js: libuv's handle takes Int32Value() of it
  if (!ArgInt32Like(info, 0, &backlog)) return info.Env().Undefined();
  OPEN_OR_EBADF();
  return Num(info, t_->Listen(backlog));
}

Napi::Value TcpSocket::Connect(const Napi::CallbackInfo& info) {
  std::string ip;
  int64_t port;
  if (!ArgStr(info, 0, &ip, "address") || !ArgInt(info, 1, &port, "port")) return info.Env().Undefined();
  OPEN_OR_EBADF();
  int fam = t_->Family() ? t_->Family() : FamilyOf(ip);
  sockaddr_storage ss;
  socklen_t len;
  if (ParseAddr(fam, ip, static_cast<int>(port), &ss, &len)) return Num(info, -EINVAL);
  return Num(info, t_->Connect(ss, len));
}

Napi::Value TcpSocket::ReadStart(const Napi::CallbackInfo& info) {
  OPEN_OR_EBADF();
  return Num(info, t_->ReadStart());
}

Napi::Value TcpSocket::ReadStop(const Napi::CallbackInfo& info) {
  OPEN_OR_EBADF();
  return Num(info, t_->ReadStop());
}

// The JS buffers of a large write, kept alive until the transport took their bytes.
struct Pins {
  napi_env env;
  std::vector<napi_ref> refs;
};
static void Unpin(void* p) {
  auto* pins = static_cast<Pins*>(p);
  for (napi_ref r : pins->refs) napi_delete_reference(pins->env, r);
  delete pins;
}

Napi::Value TcpSocket::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  static thread_local std::vector<Chunk> chunks;  // reused: no allocation per write
  StringChunks strings;
  size_t total = 0;
  int64_t req = 0, early_limit = -1, latin1_mask = 0;
  if (info.Length() > 3 && !ArgInt(info, 3, &latin1_mask, "latin1Mask")) return env.Undefined();
  strings.latin1_mask = static_cast<uint32_t>(latin1_mask);
  if (!GetChunks(env, info[0], &chunks, &total, &strings) || !ArgInt(info, 1, &req, "reqId")) return env.Undefined();
  if (info.Length() > 2 && !ArgInt(info, 2, &early_limit, "earlyLimit")) return env.Undefined();
  OPEN_OR_EBADF();
  StreamWrite w;
  w.id = static_cast<int32_t>(req);
  w.bytes = total;
  if (total < kCopyBelow) {
    // One copy, strings encoded straight into it (no Buffer per string, as libuv's
    // writeLatin1String/writeUtf8String). +1: N-API ends an encoded string with a NUL.
    w.owned.reset(new char[total + 1]);
    size_t off = 0;
    for (const Chunk& ch : chunks) {
      if (!ch.len) continue;
      if (ch.is_string) EncodeString(env, ch, w.owned.get() + off);
      else memcpy(w.owned.get() + off, ch.data, ch.len);
      off += ch.len;
    }
    w.iov.push_back({w.owned.get(), total});
  } else {
    // Buffers are pinned, not copied; strings have no stable bytes and are encoded once.
    early_limit = -1;
    if (strings.bytes) w.owned.reset(new char[strings.bytes + 1]);
    size_t soff = 0;
    Pins* pins = nullptr;
    for (const Chunk& ch : chunks) {
      if (!ch.len) continue;
      if (ch.is_string) {
        EncodeString(env, ch, w.owned.get() + soff);
        w.iov.push_back({w.owned.get() + soff, ch.len});
        soff += ch.len;
        continue;
      }
      if (!pins) pins = new Pins{env, {}};
      napi_ref r;
      napi_create_reference(env, ch.value, 1, &r);
      pins->refs.push_back(r);
      w.iov.push_back({const_cast<char*>(ch.data), ch.len});
    }
    w.pin = pins;
    w.unpin = Unpin;
  }
  chunks.clear();  // drop the napi_values: they belong to this call's handle scope
  int rc = t_->Write(std::move(w), early_limit);
  if (rc < 0 && w.pin) Unpin(w.pin);  // refused: w was not taken
  return Num(info, rc);
}

Napi::Value TcpSocket::WriteQueueSize(const Napi::CallbackInfo& info) {
  return Num(info, t_ ? static_cast<int64_t>(t_->QueuedBytes()) : 0);
}

Napi::Value TcpSocket::Shutdown(const Napi::CallbackInfo& info) {
  OPEN_OR_EBADF();
  return Num(info, t_->Shutdown());
}

Napi::Value TcpSocket::SetNoDelay(const Napi::CallbackInfo& info) {
  OPEN_OR_EBADF();
  return Num(info, t_->SetNoDelay(ArgBool(info, 0)));
}

Napi::Value TcpSocket::SetKeepAlive(const Napi::CallbackInfo& info) {
  int64_t delay = 0;
  bool on = ArgBool(info, 0);
  if (info.Length() > 1 && !ArgInt(info, 1, &delay, "delay")) return info.Env().Undefined();
  OPEN_OR_EBADF();
  return Num(info, t_->SetKeepAlive(on, delay > 0 ? static_cast<unsigned>(delay) : 0));
}

Napi::Value TcpSocket::Name(const Napi::CallbackInfo& info, bool peer) {
  return AddressToJs(info, [&](sockaddr_storage* ss, socklen_t* len) {
    if (!t_ || closed_) return -EBADF;
    return peer ? t_->PeerAddress(ss, len) : t_->LocalAddress(ss, len);
  });
}

Napi::Value TcpSocket::GetSockName(const Napi::CallbackInfo& info) { return Name(info, false); }
Napi::Value TcpSocket::GetPeerName(const Napi::CallbackInfo& info) { return Name(info, true); }

Napi::Value TcpSocket::GetSockOpt(const Napi::CallbackInfo& info) {
  int64_t level, name;
  if (!ArgInt(info, 0, &level, "level") || !ArgInt(info, 1, &name, "name")) return info.Env().Undefined();
  OPEN_OR_EBADF();
  int v = 0;
  int rc = t_->GetSockOpt(static_cast<int>(level), static_cast<int>(name), &v);
  return Num(info, rc ? rc : v);
}

Napi::Value TcpSocket::SetSockOpt(const Napi::CallbackInfo& info) {
  int64_t level, name, value;
  if (!ArgInt(info, 0, &level, "level") || !ArgInt(info, 1, &name, "name") || !ArgInt(info, 2, &value, "value"))
    return info.Env().Undefined();
  OPEN_OR_EBADF();
  return Num(info, t_->SetSockOpt(static_cast<int>(level), static_cast<int>(name), static_cast<int>(value)));
}

Napi::Value TcpSocket::Stats(const Napi::CallbackInfo& info) {
  return CountersObject(info.Env(), t_ ? &t_->counters() : nullptr);
}

Napi::Value TcpSocket::Ref(const Napi::CallbackInfo& info) {
  if (t_) t_->SetRef(true);
  return info.Env().Undefined();
}

Napi::Value TcpSocket::Unref(const Napi::CallbackInfo& info) {
  if (t_) t_->SetRef(false);
  return info.Env().Undefined();
}

Napi::Value TcpSocket::Close(const Napi::CallbackInfo& info) {
  if (!t_ || closed_) return info.Env().Undefined();
  closed_ = true;
  t_->Close(ArgBool(info, 0));
  info.This().As<Napi::Object>().Set("_closed", true);
  if (self_) {
    napi_delete_reference(info.Env(), self_);
    self_ = nullptr;
  }
  return info.Env().Undefined();
}

void InitTcp(Napi::Env env, Napi::Object exports) {
  Napi::Function tcp = TcpSocket::Class(env);
  Addon::Of(env)->tcpCtor = Napi::Persistent(tcp);
  exports.Set("TcpSocket", tcp);
  InitStreamBatch(env, exports);
}

}  // namespace ringsock::js
