// One Addon per Node environment (main thread, each worker): owns that environment's engines
// and is freed by the environment's cleanup hook, so workers never share rings.
#pragma once
#include <napi.h>
#include <uv.h>
#include <memory>
#include <string>

namespace ringsock {

namespace uring { class Engine; }
namespace loop { class Poller; }
namespace js { class StreamBatch; }
namespace xdp { class Engine; }
namespace transport { class DgramTransport; }

// Methods of the exported handle classes are writable, like those of Node's own handles: code
// (and Node's tests) may patch one on an instance.
constexpr auto kHandleMethodAttrs = static_cast<napi_property_attributes>(napi_writable | napi_configurable);

struct Addon {
  Napi::Env env;
  uv_loop_t* loop = nullptr;
  // Constructors of JS classes exported by this environment.
  Napi::FunctionReference udpCtor, tcpCtor;
  // Created on first use; destroyed (rings closed, fds released) in the cleanup hook.
  uring::Engine* uring = nullptr;
  xdp::Engine* xdp = nullptr;
  // Set by xdp::Init where AF_XDP is built (js/xdp/exports.cc): a bypass UDP transport of this
  // environment's engines for `new UdpSocket(family, ifaces)`, or nullptr and *err.
  transport::DgramTransport* (*new_bypass_udp)(Addon*, int family, const std::string& ifaces,
                                               std::string* err) = nullptr;
  std::unique_ptr<loop::Poller> poller;  // loop/poller.h: linger and busy polling for both
  std::unique_ptr<js::StreamBatch> streams;  // js/stream_batch.h: one JS call per delivery round
  // uringProbe's answer for this environment (uring/probe.h): "" = the engine runs.
  bool uring_probed = false;
  std::string uring_unusable;

  explicit Addon(Napi::Env e);
  ~Addon();
  static Addon* Of(Napi::Env env) { return env.GetInstanceData<Addon>(); }
};

// close_phase.cc: exports inClosePhase(fn); ForgetClosePhase drops the environment's pending calls.
void InitClosePhase(Napi::Env env, Napi::Object exports);
void ForgetClosePhase(napi_env env);

namespace uring {
// Registers UdpSocket, TcpSocket, uringProbe, flush, ... on exports.
void Init(Napi::Env env, Napi::Object exports, Addon* addon);
// Frees the engine of an environment that is going away.
void Destroy(Addon* addon);
}
namespace xdp {
void Init(Napi::Env env, Napi::Object exports, Addon* addon);
void Destroy(Addon* addon);
}

}  // namespace ringsock
