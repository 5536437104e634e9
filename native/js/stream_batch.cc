#include "js/stream_batch.h"
#include <cstring>
#include "addon.h"
#include "common/callback.h"

namespace ringsock::js {

StreamBatch* StreamBatch::Of(Addon* addon) {
  if (!addon->streams) addon->streams.reset(new StreamBatch(addon->env));
  return addon->streams.get();
}

// Environment teardown: the references go with the environment.
StreamBatch::~StreamBatch() { area_.Forget(); }

void StreamBatch::SetDispatch(napi_value fn) {
  if (dispatch_) napi_delete_reference(env_, dispatch_);
  napi_create_reference(env_, fn, 1, &dispatch_);
}

int32_t StreamBatch::Value(napi_value v) {
  values_.push_back(v);
  return static_cast<int32_t>(values_.size() - 1);
}

void StreamBatch::Row(int32_t kind, int32_t handle, int32_t a, int32_t b) {
  ints_.insert(ints_.end(), {kind, handle, a, b});
}

void StreamBatch::Read(int32_t handle, const char* data, size_t len) {
  if (len >= 32 * 1024) {
    // One copy into a Buffer V8 owns (an external Buffer cost fresh pages and a finalizer).
    void* unused;
    napi_value buf;
    if (napi_create_buffer_copy(env_, len, data, &unused, &buf) == napi_ok) {
      Row(kReadBuffer, handle, Value(buf), static_cast<int32_t>(len));
      return;
    }
  }
  Row(kReadArea, handle, static_cast<int32_t>(bytes_.size()), static_cast<int32_t>(len));
  bytes_.append(data, len);
}

void StreamBatch::WriteDone(int32_t handle, const std::vector<int32_t>& ids, const std::vector<int32_t>& results) {
  Row(kWriteDone, handle, static_cast<int32_t>(ids.size()), 0);
  ints_.insert(ints_.end(), ids.begin(), ids.end());
  ints_.insert(ints_.end(), results.begin(), results.end());
}

bool StreamBatch::Open() {
  if (depth_++ > 0) return true;
  napi_open_handle_scope(env_, &scope_);
  // A worker being terminated runs its loop once more while it closes handles: then nothing
  // can be allocated in JS, and nothing is delivered.
  void* data;
  napi_value probe;
  if (napi_create_arraybuffer(env_, 0, &data, &probe) == napi_ok) return true;
  bool pending = false;
  napi_is_exception_pending(env_, &pending);
  if (pending) {
    napi_value e;
    napi_get_and_clear_last_exception(env_, &e);
  }
  depth_ = 0;
  napi_close_handle_scope(env_, scope_);
  scope_ = nullptr;
  return false;
}

void StreamBatch::Close() {
  if (depth_ == 0 || --depth_ > 0) return;
  if (!ints_.empty()) Flush();
  napi_close_handle_scope(env_, scope_);
  scope_ = nullptr;
}

// dispatch(area, bytes, table, ints, values): the table is only valid during the call (JS
// copies what it keeps), as every delivery area of this addon.
void StreamBatch::Flush() {
  napi_value argv[5];
  bool ok = dispatch_ && area_.Fill(env_, bytes_.data(), bytes_.size(), ints_.data(), ints_.size(), argv) &&
            napi_create_array_with_length(env_, values_.size(), &argv[4]) == napi_ok;
  for (size_t i = 0; ok && i < values_.size(); i++) napi_set_element(env_, argv[4], static_cast<uint32_t>(i), values_[i]);
  ints_.clear();
  bytes_.clear();
  values_.clear();
  napi_value fn, recv;
  if (!ok || napi_get_reference_value(env_, dispatch_, &fn) != napi_ok || !fn) return;
  napi_get_global(env_, &recv);
  js_calls++;
  // nextTicks and microtasks run when the batch is done, as after a callback of Node's own.
  MakeCallback(env_, recv, fn, 5, argv);
  area_.Trim(env_);
}

static Napi::Value SetStreamDispatch(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsFunction()) {
    Napi::TypeError::New(info.Env(), "dispatch must be a function").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  StreamBatch::Of(Addon::Of(info.Env()))->SetDispatch(info[0]);
  return info.Env().Undefined();
}

void InitStreamBatch(Napi::Env env, Napi::Object exports) {
  exports.Set("setStreamDispatch", Napi::Function::New(env, SetStreamDispatch, "setStreamDispatch"));
}

}  // namespace ringsock::js
