// Socket addresses as Node's JS objects: {address, family: 'IPv4'|'IPv6', port}.
#pragma once
#include <napi.h>
#include <sys/socket.h>

namespace ringsock::js {

// Fills {address, family, port} like Node's AddressToJS.
void FillSockAddr(Napi::Object out, const sockaddr* sa);

// getsockname(out) / getpeername(out) of a handle: `query` fills the address (0 or -errno);
// the handle returns 0 or -errno; throws a TypeError when `out` is not an object.
template <typename Query>
Napi::Value AddressToJs(const Napi::CallbackInfo& info, Query query) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    Napi::TypeError::New(env, "out must be an object").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int rc = query(&ss, &len);
  if (rc) return Napi::Number::New(env, rc);
  FillSockAddr(info[0].As<Napi::Object>(), reinterpret_cast<sockaddr*>(&ss));
  return Napi::Number::New(env, 0);
}

}  // namespace ringsock::js
