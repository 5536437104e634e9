#include "js/address.h"
#include <string>
#include "common/sockaddr.h"

namespace ringsock::js {

void FillSockAddr(Napi::Object out, const sockaddr* sa) {
  Napi::Env env = out.Env();
  int port = 0;
  std::string ip = FormatIp(sa, &port);
  out.Set("address", Napi::String::New(env, ip));
  out.Set("family", Napi::String::New(env, sa->sa_family == AF_INET6 ? "IPv6" : "IPv4"));
  out.Set("port", Napi::Number::New(env, port));
}

}  // namespace ringsock::js
