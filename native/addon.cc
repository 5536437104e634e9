// Entry point of the native addon: builds the per-environment Addon and lets each
// engine register its classes. Read native/README.md first.
#include "addon.h"
#include "js/stream_batch.h"
#include "loop/poller.h"

namespace ringsock {

Addon::Addon(Napi::Env e) : env(e) {
  napi_get_uv_event_loop(e, &loop);
}

Addon::~Addon() {
  // xdp sockets sit on top of uring ones (DESIGN.md decision 5): tear them down first.
  xdp::Destroy(this);
  uring::Destroy(this);
  ForgetClosePhase(env);
}

static Napi::Object InitAll(Napi::Env env, Napi::Object exports) {
  auto* addon = new Addon(env);
  // SetInstanceData's finalizer runs at environment teardown (process exit or worker end).
  env.SetInstanceData<Addon>(addon);
  uring::Init(env, exports, addon);
  xdp::Init(env, exports, addon);
  InitClosePhase(env, exports);
  return exports;
}

}  // namespace ringsock

// NODE_API_MODULE pastes its second argument into an identifier: it must be unqualified.
static Napi::Object RingsockInit(Napi::Env env, Napi::Object exports) {
  return ringsock::InitAll(env, exports);
}
NODE_API_MODULE(ringsock, RingsockInit)
