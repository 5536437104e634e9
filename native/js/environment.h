// What each Node environment (main thread, each worker) owns below the JS classes: its Poller
// and its io_uring engine, made on first use on the environment's loop, and their uv handles
// closed from the environment's cleanup hook (the loop must still run to finish uv_close).
#pragma once
#include <string>
#include "addon.h"

namespace ringsock::loop {
class Poller;
}
namespace ringsock::uring {
class Engine;
}

namespace ringsock::js {

loop::Poller* PollerOf(Addon* addon);
// nullptr + *err when io_uring cannot run here.
uring::Engine* UringOf(Addon* addon, std::string* err);
// Registers the cleanup hook; before any engine's hook that sits on top (xdp's).
void InitEnvironment(Napi::Env env, Addon* addon);

}  // namespace ringsock::js
