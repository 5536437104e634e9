// Exports of the io_uring engine: UdpSocket, TcpSocket, uringProbe(), uringStats(), uringFlush(), dupFd().
#include <fcntl.h>
#include <liburing.h>
#include <cerrno>
#include <string>
#include "addon.h"
#include "uring/engine.h"
#include "js/environment.h"
#include "js/uring_probe.h"
#include "js/stream_batch.h"
#include "js/tcp_socket.h"
#include "js/udp_socket.h"

namespace ringsock::uring {

using js::Probe;

static Napi::Value UringProbe(const Napi::CallbackInfo& info) {
  const std::string& why = Probe(Addon::Of(info.Env()));
  if (why.empty()) return info.Env().Null();
  return Napi::String::New(info.Env(), why);
}

static Napi::Value GetStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  Engine* e = Addon::Of(env)->uring;
  Stats s;
  if (e) s = e->stats;
  if (Addon::Of(env)->streams) s.js_calls += Addon::Of(env)->streams->js_calls;
#define F(name, key) o.Set(key, Napi::Number::New(env, static_cast<double>(s.name)))
  F(wakeups, "wakeups");
  F(cqes, "cqes");
  F(enobufs, "enobufs");
  F(rearms, "rearms");
  F(sq_full, "sqFull");
  F(submits, "submits");
  F(js_calls, "jsCalls");
  F(rx_datagrams, "rxDatagrams");
  F(tx_datagrams, "txDatagrams");
  F(rx_bytes, "rxBytes");
  F(tx_bytes, "txBytes");
  F(truncated, "truncated");
  F(accepts, "accepts");
  F(cq_overflow, "cqOverflow");
  F(prepare_flushes, "prepareFlushes");
  F(spin_hits, "spinHits");
  F(emfile_drops, "emfileDrops");
#undef F
  o.Set("busyPoll", Napi::Boolean::New(env, e && e->busy_poll()));
  return o;
}

// Submits queued SQEs now (normally the end-of-tick uv_prepare does it).
static Napi::Value Flush(const Napi::CallbackInfo& info) {
  Engine* e = Addon::Of(info.Env())->uring;
  if (e) e->Submit();
  return info.Env().Undefined();
}

// dupFd(fd): a close-on-exec duplicate of fd, or -errno. A connection handed to one of Node's
// own handles (net-server.ts: TLS and HTTP/2 servers) goes as a duplicate, and ringsock's
// handle closes its own fd as usual.
static Napi::Value DupFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "dupFd(fd): fd must be a number").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  int r = fd < 0 ? -EBADF : fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return Napi::Number::New(env, r < 0 && fd >= 0 ? -errno : r);
}

void Init(Napi::Env env, Napi::Object exports, Addon* addon) {
  js::InitEnvironment(env, addon);
  js::InitUdp(env, exports);
  js::InitTcp(env, exports);
  exports.Set("uringProbe", Napi::Function::New(env, UringProbe, "uringProbe"));
  exports.Set("uringStats", Napi::Function::New(env, GetStats, "uringStats"));
  exports.Set("uringFlush", Napi::Function::New(env, Flush, "uringFlush"));
  exports.Set("dupFd", Napi::Function::New(env, DupFd, "dupFd"));
}

void Destroy(Addon* addon) {
  delete addon->uring;
  addon->uring = nullptr;
}

}  // namespace ringsock::uring
