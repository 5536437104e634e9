// Error conventions shared by the engines: every JS-callable method returns 0 / a value >= 0,
// or a negative errno, which on Linux equals libuv's UV_E* (DESIGN.md decision 4).
// Bad argument *types* throw a TypeError instead: the TS layer validates first, so a throw here
// means a bug in ringsock, never a user error.
#pragma once
#include <napi.h>
#include <string>
#include "common/errno.h"

namespace ringsock {

// Argument helpers: on a wrong type they throw a TypeError and report false; the caller returns.
inline bool ArgInt(const Napi::CallbackInfo& info, size_t i, int64_t* out, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber()) {
    Napi::TypeError::New(info.Env(), std::string(what) + " must be a number").ThrowAsJavaScriptException();
    return false;
  }
  *out = info[i].As<Napi::Number>().Int64Value();
  return true;
}

// A value Node's own handles take with Int32Value() (ToNumber, then ToInt32: '16' -> 16,
// 'abc' -> 0): what Node passes unvalidated (listen's backlog). A Symbol or BigInt throws V8's
// TypeError, as in Node; false then.
inline bool ArgInt32Like(const Napi::CallbackInfo& info, size_t i, int32_t* out) {
  Napi::Number n = (info.Length() > i ? info[i] : info.Env().Undefined()).ToNumber();
  if (info.Env().IsExceptionPending()) return false;
  *out = n.Int32Value();
  return true;
}

inline bool ArgStr(const Napi::CallbackInfo& info, size_t i, std::string* out, const char* what) {
  if (info.Length() <= i || !info[i].IsString()) {
    Napi::TypeError::New(info.Env(), std::string(what) + " must be a string").ThrowAsJavaScriptException();
    return false;
  }
  *out = info[i].As<Napi::String>().Utf8Value();
  return true;
}

// Optional string: undefined/null -> *present = false.
inline bool ArgOptStr(const Napi::CallbackInfo& info, size_t i, std::string* out, bool* present,
                      const char* what) {
  *present = false;
  if (info.Length() <= i || info[i].IsUndefined() || info[i].IsNull()) return true;
  if (!ArgStr(info, i, out, what)) return false;
  *present = true;
  return true;
}

inline bool ArgBool(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && info[i].ToBoolean().Value();
}

}  // namespace ringsock
