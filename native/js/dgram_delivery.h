// Hands a transport::DgramBatch to JS as onmessages(area, bytes, meta, ints, addrs), written
// once for every datagram socket class: the payloads and meta go through the socket's reusable
// area (common/rx_area.h), and the source address is one string when the whole batch came from
// one source (the usual case), reused while it stays the same, else an array of strings.
#pragma once
#include <napi.h>
#include <string>
#include "common/rx_area.h"
#include "transport/dgram_batch.h"

namespace ringsock::js {

class DgramDelivery {
 public:
  // Calls fn with `self` as receiver (napi_make_callback: ticks and microtasks run after it;
  // an exception goes to 'uncaughtException'), then clears the batch. False when nothing was
  // called (an empty batch, or JS refused the area).
  bool Deliver(napi_env env, napi_value self, napi_value fn, transport::DgramBatch* batch);
  // After the call, unless the socket closed in it: a very large area is not kept.
  void Trim(napi_env env) { area_.Trim(env); }
  void Release(napi_env env);
  // Environment teardown: the references go with the environment.
  void Forget();

 private:
  napi_value Source(napi_env env, const std::string& s);

  RxArea area_;
  napi_ref holder_ = nullptr;  // [string]: Node 20 takes no references to primitives
  std::string cached_;
};

}  // namespace ringsock::js
