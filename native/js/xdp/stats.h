// The AF_XDP engine's counters as stats().xdp (src/stats.ts XdpEngineStats, docs/STATS.md).
#pragma once
#include <napi.h>

namespace ringsock::xdp {
class Engine;
}

namespace ringsock::js {

Napi::Object XdpEngineStats(Napi::Env env, const xdp::Engine& engine);

}  // namespace ringsock::js
