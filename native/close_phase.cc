// inClosePhase(fn): fn runs where libuv runs uv_close callbacks, in the close phase of this loop
// turn (after the check phase's setImmediate callbacks). A handle's close(cb) calls cb there, so
// net.Socket's 'close' comes when it comes for Node's own sockets: `socket.destroy();
// setImmediate(f)` runs f before 'close' (Node's tests rely on it; a setImmediate of ours would
// run first). A throwaway uv_idle_t closed at once is the vehicle; a closing handle also keeps
// the loop alive until its callback has run, as Node's closing handles do.
#include <napi.h>
#include <uv.h>
#include <unordered_set>
#include "addon.h"

namespace ringsock {
namespace {

struct ClosePhaseCall {
  uv_idle_t idle;
  napi_env env;
  napi_ref fn;
};

// Calls not yet run; an environment torn down first must not be called into.
std::unordered_set<ClosePhaseCall*>& Pending() {
  static thread_local std::unordered_set<ClosePhaseCall*> pending;
  return pending;
}

void OnClosed(uv_handle_t* h) {
  auto* call = static_cast<ClosePhaseCall*>(h->data);
  if (Pending().erase(call) && call->env) {
    napi_env env = call->env;
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value fn = nullptr, recv = nullptr, result;
    napi_get_reference_value(env, call->fn, &fn);
    napi_get_global(env, &recv);   // MakeCallback needs an object receiver
    napi_delete_reference(env, call->fn);
    // MakeCallback, as Node calls a HandleWrap's close callback: ticks and microtasks run after.
    if (fn && napi_make_callback(env, nullptr, recv, fn, 0, nullptr, &result) == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
    napi_close_handle_scope(env, scope);
  }
  delete call;
}

Napi::Value InClosePhase(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) {
    Napi::TypeError::New(env, "inClosePhase: fn must be a function").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  auto* call = new ClosePhaseCall;
  call->env = env;
  napi_create_reference(env, info[0], 1, &call->fn);
  call->idle.data = call;
  uv_idle_init(Addon::Of(env)->loop, &call->idle);
  uv_close(reinterpret_cast<uv_handle_t*>(&call->idle), OnClosed);
  Pending().insert(call);
  return env.Undefined();
}

}  // namespace

void InitClosePhase(Napi::Env env, Napi::Object exports) {
  exports.Set("inClosePhase", Napi::Function::New(env, InClosePhase, "inClosePhase"));
}

// The environment is going away: its calls still queued are dropped, not made.
void ForgetClosePhase(napi_env env) {
  for (ClosePhaseCall* call : Pending())
    if (call->env == env) call->env = nullptr;
}

}  // namespace ringsock
