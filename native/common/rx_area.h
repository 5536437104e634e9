// A socket's receive delivery area: one Buffer for payloads and one Int32Array for the per-message
// meta, created once and handed to onmessages on every wake-up with the byte and int counts in
// use (src/backends/types.ts OnMessages). Creating a fresh Buffer, Int32Array and address Array
// per wake-up cost ~4 us here; passing the same two objects and two numbers costs almost nothing.
// The receiver copies what it keeps before returning. The area grows to fit a batch and is
// dropped after a batch larger than kKeepBytes, so an idle socket holds at most that much.
#pragma once
#include <napi.h>
#include <cstdint>
#include <cstring>

namespace ringsock {

class RxArea {
 public:
  static constexpr size_t kMinBytes = 64 * 1024, kMinInts = 4 * 1024, kKeepBytes = 4 << 20;

  // Writes the batch into the area (growing it) and fills argv[0..3] with
  // (data Buffer, bytes, meta Int32Array, ints). False if JS refused the allocation.
  bool Fill(napi_env env, const void* data, size_t bytes, const int32_t* meta, size_t ints, napi_value* argv) {
    if (!Ensure(env, bytes, ints)) return false;
    if (bytes) memcpy(data_ptr_, data, bytes);
    if (ints) memcpy(meta_ptr_, meta, ints * sizeof(int32_t));
    napi_get_reference_value(env, data_ref_, &argv[0]);
    napi_create_double(env, static_cast<double>(bytes), &argv[1]);
    napi_get_reference_value(env, meta_ref_, &argv[2]);
    napi_create_double(env, static_cast<double>(ints), &argv[3]);
    return true;
  }

  // Bytes only (stream reads): argv[0] = the data Buffer.
  bool FillBytes(napi_env env, const void* data, size_t bytes, napi_value* out) {
    if (!Ensure(env, bytes, 0)) return false;
    if (bytes) memcpy(data_ptr_, data, bytes);
    napi_get_reference_value(env, data_ref_, out);
    return true;
  }

  // After the call: a very large area is not kept for the next, usually small, batch.
  void Trim(napi_env env) {
    if (data_cap_ > kKeepBytes) Release(env);
  }

  void Release(napi_env env) {
    if (data_ref_) napi_delete_reference(env, data_ref_);
    if (meta_ref_) napi_delete_reference(env, meta_ref_);
    data_ref_ = meta_ref_ = nullptr;
    data_ptr_ = nullptr;
    meta_ptr_ = nullptr;
    data_cap_ = meta_cap_ = 0;
  }

  // At environment teardown the references go with the environment: only forget them.
  void Forget() {
    data_ref_ = meta_ref_ = nullptr;
    data_cap_ = meta_cap_ = 0;
  }

 private:
  static size_t Grow(size_t have, size_t want, size_t min) {
    size_t n = have ? have : min;
    while (n < want) n *= 2;
    return n;
  }

  bool Ensure(napi_env env, size_t bytes, size_t ints) {
    if (bytes > data_cap_ || !data_ref_) {
      size_t cap = Grow(data_cap_, bytes, kMinBytes);
      void* p;
      napi_value buf;
      if (napi_create_buffer(env, cap, &p, &buf) != napi_ok) return false;
      if (data_ref_) napi_delete_reference(env, data_ref_);
      napi_create_reference(env, buf, 1, &data_ref_);
      data_ptr_ = static_cast<char*>(p);
      data_cap_ = cap;
    }
    if (ints > meta_cap_ || !meta_ref_) {
      size_t cap = Grow(meta_cap_, ints, kMinInts);
      void* p;
      napi_value ab, arr;
      if (napi_create_arraybuffer(env, cap * sizeof(int32_t), &p, &ab) != napi_ok) return false;
      if (napi_create_typedarray(env, napi_int32_array, cap, ab, 0, &arr) != napi_ok) return false;
      if (meta_ref_) napi_delete_reference(env, meta_ref_);
      napi_create_reference(env, arr, 1, &meta_ref_);
      meta_ptr_ = static_cast<int32_t*>(p);
      meta_cap_ = cap;
    }
    return true;
  }

  napi_ref data_ref_ = nullptr, meta_ref_ = nullptr;
  char* data_ptr_ = nullptr;
  int32_t* meta_ptr_ = nullptr;
  size_t data_cap_ = 0, meta_cap_ = 0;
};

}  // namespace ringsock
