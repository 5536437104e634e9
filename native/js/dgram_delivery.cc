#include "js/dgram_delivery.h"
#include "common/callback.h"

namespace ringsock::js {

napi_value DgramDelivery::Source(napi_env env, const std::string& s) {
  napi_value holder, str;
  if (holder_ && s == cached_ && napi_get_reference_value(env, holder_, &holder) == napi_ok && holder &&
      napi_get_element(env, holder, 0, &str) == napi_ok)
    return str;
  napi_create_string_utf8(env, s.data(), s.size(), &str);
  if (!holder_) {
    napi_create_array_with_length(env, 1, &holder);
    napi_create_reference(env, holder, 1, &holder_);
  } else {
    napi_get_reference_value(env, holder_, &holder);
  }
  napi_set_element(env, holder, 0, str);
  cached_ = s;
  return str;
}

bool DgramDelivery::Deliver(napi_env env, napi_value self, napi_value fn, transport::DgramBatch* batch) {
  if (batch->empty()) return false;
  napi_value argv[5];
  bool ok = area_.Fill(env, batch->data.data(), batch->data.size(), batch->meta.data(), batch->meta.size(), argv);
  if (ok && batch->sources.size() == 1) {
    argv[4] = Source(env, batch->sources[0]);
  } else if (ok) {
    napi_create_array_with_length(env, batch->sources.size(), &argv[4]);
    for (uint32_t i = 0; i < batch->sources.size(); i++) {
      napi_value str = Source(env, batch->sources[i]);
      napi_set_element(env, argv[4], i, str);
    }
  }
  batch->Clear();
  if (!ok) return false;
  MakeCallback(env, self, fn, 5, argv);
  return true;
}

void DgramDelivery::Release(napi_env env) {
  area_.Release(env);
  if (holder_) napi_delete_reference(env, holder_);
  holder_ = nullptr;
  cached_.clear();
}

void DgramDelivery::Forget() {
  area_.Forget();
  holder_ = nullptr;
}

}  // namespace ringsock::js
