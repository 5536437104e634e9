#include "js/environment.h"
#include "js/stream_batch.h"
#include "loop/poller.h"
#include "uring/engine.h"

namespace ringsock::js {

loop::Poller* PollerOf(Addon* addon) {
  if (!addon->poller) addon->poller.reset(new loop::Poller(addon->loop));
  return addon->poller.get();
}

uring::Engine* UringOf(Addon* addon, std::string* err) {
  if (addon->uring) return addon->uring;
  addon->uring = uring::Engine::Create(addon->loop, PollerOf(addon), err);
  if (addon->uring) addon->uring->SetDeliveryScope(StreamBatch::Of(addon));
  return addon->uring;
}

namespace {

struct Closing {
  napi_async_cleanup_hook_handle hook;
  int left;
};

void OneClosed(void* arg) {
  auto* c = static_cast<Closing*>(arg);
  if (--c->left > 0) return;
  napi_remove_async_cleanup_hook(c->hook);
  delete c;
}

void OnCleanup(napi_async_cleanup_hook_handle hook, void* arg) {
  auto* addon = static_cast<Addon*>(arg);
  auto* c = new Closing{hook, 2};
  if (addon->uring) addon->uring->CloseHandles(OneClosed, c);
  else OneClosed(c);
  if (addon->poller) addon->poller->CloseHandles(OneClosed, c);
  else OneClosed(c);
}

}  // namespace

void InitEnvironment(Napi::Env env, Addon* addon) {
  napi_add_async_cleanup_hook(env, OnCleanup, addon, nullptr);
}

}  // namespace ringsock::js
