// A transport's per-socket counters as the object handle.stats() returns (src/stats.ts
// SocketCounters); type, address and port are added in TypeScript.
#pragma once
#include <napi.h>
#include "transport/counters.h"

namespace ringsock::js {

inline Napi::Object CountersObject(Napi::Env env, const transport::Counters* c) {
  transport::Counters zero;  // a released transport (closed handle) counts nothing more
  if (!c) c = &zero;
  Napi::Object o = Napi::Object::New(env);
  o.Set("rxMessages", Napi::Number::New(env, static_cast<double>(c->rx_messages)));
  o.Set("rxBytes", Napi::Number::New(env, static_cast<double>(c->rx_bytes)));
  o.Set("txMessages", Napi::Number::New(env, static_cast<double>(c->tx_messages)));
  o.Set("txBytes", Napi::Number::New(env, static_cast<double>(c->tx_bytes)));
  o.Set("drops", Napi::Number::New(env, static_cast<double>(c->drops)));
  o.Set("errors", Napi::Number::New(env, static_cast<double>(c->errors)));
  return o;
}

}  // namespace ringsock::js
