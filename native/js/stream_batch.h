// The news of every stream socket of one delivery round, gathered into one table and handed to
// JS in ONE call (src/backends/stream-dispatch.ts), which dispatches it to the handles. A call
// into JS per socket and per kind of news (napi_make_callback: a callback scope, the tick and
// microtask queues each time) was what the TCP path paid most for on the Node side.
//
// Row: [kind, handle, a, b] (indexes into the values array); kWriteDone rows are followed by
// `a` request ids and `a` results. Small reads are copied into one area (the table's Buffer)
// at offset a, length b; reads of 32 KiB or more are a Buffer of their own (value a).
#pragma once
#include <napi.h>
#include <cstdint>
#include <string>
#include <vector>
#include "common/rx_area.h"
#include "transport/delivery.h"

namespace ringsock {
struct Addon;
}

namespace ringsock::js {

enum StreamNews : int32_t {
  kConnect = 1,     // a = status
  kConnection = 2,  // a = status, b = the accepted handle (value index) or -1
  kReadArea = 3,    // a = offset in the area, b = length
  kReadBuffer = 4,  // a = value index of the Buffer, b = length
  kEnd = 5,         // a = UV_EOF or -errno
  kWriteDone = 6,   // a = n; then n ids, n results
  kShutdown = 7,    // a = status
};

class StreamBatch final : public transport::DeliveryScope {
 public:
  static StreamBatch* Of(Addon* addon);
  explicit StreamBatch(napi_env env) : env_(env) {}
  ~StreamBatch();

  // setStreamDispatch(fn) from JS, once per environment.
  void SetDispatch(napi_value fn);
  // Nested Open/Close pairs make one batch; the outermost Open opens a handle scope (false: JS
  // cannot run now, the environment stops), the outermost Close makes the call and closes it.
  bool Open() override;
  void Close() override;

  int32_t Value(napi_value v);
  void Row(int32_t kind, int32_t handle, int32_t a, int32_t b);
  void Read(int32_t handle, const char* data, size_t len);
  void WriteDone(int32_t handle, const std::vector<int32_t>& ids, const std::vector<int32_t>& results);
  uint64_t js_calls = 0;

 private:
  void Flush();

  napi_env env_;
  napi_ref dispatch_ = nullptr;
  int depth_ = 0;
  napi_handle_scope scope_ = nullptr;
  std::vector<int32_t> ints_;
  std::string bytes_;
  std::vector<napi_value> values_;
  RxArea area_;
};

// Exports setStreamDispatch.
void InitStreamBatch(Napi::Env env, Napi::Object exports);

}  // namespace ringsock::js
