// Exports of the io_uring engine: UdpSocket, TcpSocket, uringProbe(), uringStats(), uringFlush().
#include <liburing.h>
#include <sys/eventfd.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include "addon.h"
#include "uring/buf_ring.h"
#include "uring/engine.h"
#include "uring/tcp_socket.h"
#include "uring/udp_socket.h"

namespace ringsock::uring {

// What the kernel needs for this engine: io_uring, provided buffer rings (5.19), multishot
// recvmsg / recv (6.0), an eventfd to wake the loop. Tried once on a throwaway ring, cached.
static std::string ProbeOnce() {
  utsname u;
  int major = 0, minor = 0;
  if (uname(&u) == 0) sscanf(u.release, "%d.%d", &major, &minor);
  io_uring ring;
  int rc = io_uring_queue_init(8, &ring, 0);
  if (rc) {
    if (rc == -ENOSYS) return "io_uring_setup failed: kernel without io_uring (ENOSYS)";
    if (rc == -EPERM) {
      int disabled = -1;
      if (FILE* f = fopen("/proc/sys/kernel/io_uring_disabled", "r")) {
        if (fscanf(f, "%d", &disabled) != 1) disabled = -1;
        fclose(f);
      }
      if (disabled > 0)
        return "io_uring_setup failed: Operation not permitted (sysctl kernel.io_uring_disabled=" +
               std::to_string(disabled) + ")";
      return "io_uring_setup failed: Operation not permitted (io_uring blocked by seccomp or "
             "kernel.io_uring_disabled)";
    }
    return std::string("io_uring_setup failed: ") + strerror(-rc);
  }
  std::string why;
  if (major < 6) {
    why = std::string("kernel ") + u.release + " is older than 6.0 (no multishot recvmsg/recv)";
  } else {
    BufRing* br = BufRing::Create(&ring, 1, 8, 256, &why);
    delete br;
    if (br) {
      int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
      if (efd < 0) {
        why = std::string("eventfd failed: ") + strerror(errno);
      } else {
        rc = io_uring_register_eventfd(&ring, efd);
        if (rc) why = std::string("io_uring_register_eventfd failed: ") + strerror(-rc);
        close(efd);
      }
    }
  }
  io_uring_queue_exit(&ring);
  return why;
}

static Napi::Value UringProbe(const Napi::CallbackInfo& info) {
  static const std::string cached = ProbeOnce();  // thread-safe static; same kernel for workers
  if (cached.empty()) return info.Env().Null();
  return Napi::String::New(info.Env(), cached);
}

static Napi::Value GetStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  Engine* e = Addon::Of(env)->uring;
  Stats s;
  if (e) s = e->stats;
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

void Init(Napi::Env env, Napi::Object exports, Addon* addon) {
  Napi::Function udp = UdpSocket::Class(env);
  Napi::Function tcp = TcpSocket::Class(env);
  addon->udpCtor = Napi::Persistent(udp);
  addon->tcpCtor = Napi::Persistent(tcp);
  exports.Set("UdpSocket", udp);
  exports.Set("TcpSocket", tcp);
  exports.Set("uringProbe", Napi::Function::New(env, UringProbe, "uringProbe"));
  exports.Set("uringStats", Napi::Function::New(env, GetStats, "uringStats"));
  exports.Set("uringFlush", Napi::Function::New(env, Flush, "uringFlush"));
}

void Destroy(Addon* addon) {
  delete addon->uring;
  addon->uring = nullptr;
}

}  // namespace ringsock::uring
