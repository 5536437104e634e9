// Calling JS from a native wake-up the way Node calls its own callbacks: napi_make_callback opens
// an InternalCallbackScope, so process.nextTick and microtasks queued by the callback run when it
// returns; an exception goes to process 'uncaughtException' (napi_fatal_exception), as in Node.
#pragma once
#include <napi.h>
#include <cstring>
#include <vector>

namespace ringsock {

// fn.call(recv, ...argv) as Node calls its own callbacks (recv must be an object).
inline void MakeCallback(napi_env env, napi_value recv, napi_value fn, size_t argc, const napi_value* argv) {
  napi_value result;
  napi_status st = napi_make_callback(env, nullptr, recv, fn, argc, argv, &result);
  bool pending = false;
  if (st != napi_ok) napi_is_exception_pending(env, &pending);
  if (pending) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
}

// Calls self[name](...args) if it is a function. Returns false if it was not one.
inline bool CallJs(Napi::Env env, Napi::Object self, const char* name, size_t argc, const napi_value* argv) {
  napi_value fn;
  if (napi_get_named_property(env, self, name, &fn) != napi_ok) return false;
  napi_valuetype t;
  napi_typeof(env, fn, &t);
  if (t != napi_function) return false;
  MakeCallback(env, self, fn, argc, argv);
  return true;
}

// Delivers a batch of request completions as (ids: Int32Array, results: Int32Array) to
// self[name] in one call, then empties both vectors.
inline bool CallJsCompletions(Napi::Env env, Napi::Object self, const char* name,
                              std::vector<int32_t>* ids, std::vector<int32_t>* results) {
  size_t n = ids->size();
  Napi::Int32Array idArr = Napi::Int32Array::New(env, n);
  Napi::Int32Array resArr = Napi::Int32Array::New(env, n);
  memcpy(idArr.Data(), ids->data(), n * sizeof(int32_t));
  memcpy(resArr.Data(), results->data(), n * sizeof(int32_t));
  ids->clear();
  results->clear();
  napi_value argv[2] = {idArr, resArr};
  return CallJs(env, self, name, 2, argv);
}

// The bytes of each element of `arr` (Buffer, any TypedArray, DataView). Throws a TypeError and
// returns false on anything else. Pointers stay valid while the values are alive.
// With `strings` set, an element may also be a string (is_string, len its encoded size):
// latin1 when bit i of strings->latin1_mask is set, utf8 otherwise; EncodeString writes it.
struct Chunk {
  const char* data;
  size_t len;
  napi_value value;
  bool is_string = false, latin1 = false;
};
struct StringChunks {
  uint32_t latin1_mask = 0;
  size_t bytes = 0;  // encoded size of all string elements
};
// Writes string chunk `ch` (ch.len bytes) to dst, which has room for ch.len + 1 (N-API ends
// what it writes with a NUL).
inline void EncodeString(napi_env env, const Chunk& ch, char* dst) {
  size_t copied = 0;
  if (ch.latin1) napi_get_value_string_latin1(env, ch.value, dst, ch.len + 1, &copied);
  else napi_get_value_string_utf8(env, ch.value, dst, ch.len + 1, &copied);
}
inline bool GetChunks(Napi::Env env, Napi::Value v, std::vector<Chunk>* out, size_t* total,
                      StringChunks* strings = nullptr) {
  *total = 0;
  out->clear();
  if (!v.IsArray()) {
    Napi::TypeError::New(env, "chunks must be an array of Uint8Array").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array arr = v.As<Napi::Array>();
  uint32_t n = arr.Length();
  out->reserve(n);
  for (uint32_t i = 0; i < n; i++) {
    napi_value el = arr.Get(i);
    bool is = false;
    void* data = nullptr;
    size_t len = 0;
    napi_is_typedarray(env, el, &is);
    if (is) {
      napi_typedarray_type type;
      size_t length;
      napi_value ab;
      size_t off;
      napi_get_typedarray_info(env, el, &type, &length, &data, &ab, &off);
      size_t elem = 1;
      switch (type) {
        case napi_int16_array: case napi_uint16_array: elem = 2; break;
        case napi_int32_array: case napi_uint32_array: case napi_float32_array: elem = 4; break;
        case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: elem = 8; break;
        default: break;
      }
      len = length * elem;
    } else {
      napi_valuetype type_of = napi_undefined;
      if (strings) napi_typeof(env, el, &type_of);  // asked only of what is not a Buffer
      if (type_of == napi_string) {
        bool latin1 = i < 32 && (strings->latin1_mask >> i) & 1;
        if (latin1) napi_get_value_string_latin1(env, el, nullptr, 0, &len);
        else napi_get_value_string_utf8(env, el, nullptr, 0, &len);
        strings->bytes += len;
        out->push_back({nullptr, len, el, true, latin1});
        *total += len;
        continue;
      }
      napi_is_dataview(env, el, &is);
      if (!is) {
        Napi::TypeError::New(env, "chunks must be an array of Uint8Array").ThrowAsJavaScriptException();
        return false;
      }
      napi_value ab;
      size_t off;
      napi_get_dataview_info(env, el, &len, &data, &ab, &off);
    }
    out->push_back({static_cast<const char*>(data), len, el});
    *total += len;
  }
  return true;
}

}  // namespace ringsock
