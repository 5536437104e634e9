// The AF_XDP side of the addon's exports (built with AF_XDP only; native/no_xdp otherwise):
//   xdpProbe(objPath)                 null when this process can run AF_XDP here, else one sentence
//   xdpConfigure(objPath, busy, mode, queues) creates this environment's engine (xdp/engine.h);
//                                     queues: rx queues it claims per interface, 0 = every free one
//   xdpStats()                        per-interface / per-queue counters (js/xdp/stats.h)
// and the bypass UDP socket: `new UdpSocket(family, ifaces)` (js/udp_socket.h) over
// xdp/bypass_udp.h, through Addon::new_bypass_udp.
#include <string>
#include "addon.h"
#include "js/environment.h"
#include "js/stream_batch.h"
#include "js/xdp/stats.h"
#include "uring/engine.h"
#include "uring/udp_transport.h"
#include "xdp/bypass_udp.h"
#include "xdp/engine.h"
#include "xdp/probe.h"

namespace ringsock::xdp {

namespace {

Napi::Value JsProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    Napi::TypeError::New(env, "objPath must be a string").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  // The JS probe opened the io_uring engine first (src/backends/xdp.ts), so its locked memory
  // is charged already, as it will be when a bypass socket opens its first queue.
  Addon* addon = Addon::Of(env);
  std::string why = Probe(info[0].As<Napi::String>(), addon->uring ? uring::Engine::LockedBytes() : 0);
  if (why.empty()) return env.Null();
  return Napi::String::New(env, why);
}

Napi::Value JsConfigure(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Addon* addon = Addon::Of(env);
  if (!info[0].IsString() || !info[1].IsBoolean() || !info[2].IsString() || !info[3].IsNumber()) {
    Napi::TypeError::New(env, "xdpConfigure(objPath: string, busyPoll: boolean, mode: string, queues: number)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int64_t queues = info[3].As<Napi::Number>().Int64Value();
  if (queues < 0 || queues > RS_MAX_QUEUES) {
    Napi::RangeError::New(env, "queues must be 0 (every free one) to " + std::to_string(RS_MAX_QUEUES))
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string mode = info[2].As<Napi::String>();
  int m = mode == "native" ? Steer::kModeNative : mode == "generic" ? Steer::kModeGeneric : Steer::kModeAuto;
  if (!addon->xdp)
    addon->xdp = new Engine(addon->loop, js::PollerOf(addon), js::StreamBatch::Of(addon), info[0].As<Napi::String>(),
                            m, info[1].ToBoolean(), uint32_t(queues));
  return env.Undefined();
}

Napi::Value JsStats(const Napi::CallbackInfo& info) {
  Addon* addon = Addon::Of(info.Env());
  if (!addon->xdp) return Napi::Object::New(info.Env());
  return js::XdpEngineStats(info.Env(), *addon->xdp);
}

transport::DgramTransport* NewBypass(Addon* addon, int family, const std::string& ifaces, std::string* err) {
  if (!addon->xdp) {
    *err = "xdpConfigure() must run before a bypass socket is created";
    return nullptr;
  }
  uring::Engine* ring = js::UringOf(addon, err);
  if (!ring) return nullptr;
  return NewBypassUdp(addon->xdp, family, ifaces, [ring, family] { return uring::NewUdpTransport(ring, family); });
}

void Closed(void* hook) { napi_remove_async_cleanup_hook(static_cast<napi_async_cleanup_hook_handle>(hook)); }

void OnCleanup(napi_async_cleanup_hook_handle hook, void* arg) {
  auto* addon = static_cast<Addon*>(arg);
  if (addon->xdp) addon->xdp->CloseHandles(Closed, hook);
  else napi_remove_async_cleanup_hook(hook);
}

}  // namespace

void Init(Napi::Env env, Napi::Object exports, Addon* addon) {
  // uv handles must be closed while the loop runs and this addon is still loaded.
  napi_add_async_cleanup_hook(env, OnCleanup, addon, nullptr);
  addon->new_bypass_udp = NewBypass;
  exports.Set("xdpProbe", Napi::Function::New(env, JsProbe, "xdpProbe"));
  exports.Set("xdpConfigure", Napi::Function::New(env, JsConfigure, "xdpConfigure"));
  exports.Set("xdpStats", Napi::Function::New(env, JsStats, "xdpStats"));
}

void Destroy(Addon* addon) {
  delete addon->xdp;   // closes XSKs and bpf_links: programs leave the interfaces
  addon->xdp = nullptr;
}

}  // namespace ringsock::xdp
