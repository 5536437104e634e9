// Registers the AF_XDP classes and functions on the addon's exports (native/addon.h):
//   XdpUdp                      the AF_XDP half of a bypass UDP socket (udp_socket.h)
//   xdpProbe(objPath)           "" when this process can run AF_XDP here, else one sentence
//   xdpConfigure(objPath, busy, mode) creates this environment's engine
//   xdpFlush()                  kicks the TX rings that have frames queued in this tick
//   xdpStats()                  per-interface / per-queue counters
#include <errno.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/xsk.h>
#include <cstdio>
#include <cstring>
#include <string>
#include "addon.h"
#include "common/memlock.h"
#include "uring/engine.h"
#include "device.h"
#include "engine.h"
#include "loader.h"
#include "udp_socket.h"

namespace ringsock::xdp {

namespace {

// Registers a UMEM of the size a queue uses, to find memlock trouble before a socket binds. The
// JS probe opened the io_uring engine first (src/backends/xdp.ts), so its locked memory is
// already charged, as it will be when a bypass socket opens its first queue.
std::string ProbeUmem(Napi::Env env) {
  size_t size = size_t(Queue::kFrames) * Queue::kFrameSize;
  void* area = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (area == MAP_FAILED) return "cannot map " + std::to_string(size >> 20) + " MiB for the AF_XDP UMEM";
  xsk_umem* umem = nullptr;
  xsk_ring_prod fq;
  xsk_ring_cons cq;
  xsk_umem_config cfg{};
  cfg.fill_size = Queue::kRing;
  cfg.comp_size = Queue::kRing;
  cfg.frame_size = Queue::kFrameSize;
  int err = xsk_umem__create(&umem, area, size, &fq, &cq, &cfg);
  if (umem) xsk_umem__delete(umem);
  munmap(area, size);
  if (!err) return "";
  std::string head = "the AF_XDP UMEM (" + std::to_string(size >> 20) + " MiB per rx queue) cannot be registered";
  std::string memlock = err == -ENOMEM || err == -EPERM || err == -ENOBUFS
                            ? MemlockShortfall(size + (Addon::Of(env)->uring ? uring::Engine::LockedBytes() : 0))
                            : "";
  if (!memlock.empty()) return head + " beside the io_uring engine (" + memlock + "): " + strerror(-err);
  return head + ": " + strerror(-err);
}

Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string obj = info[0].As<Napi::String>();
  uint64_t caps = EffectiveCaps();
  const uint64_t kNetAdmin = 1ull << 12, kNetRaw = 1ull << 13, kSysAdmin = 1ull << 21, kBpf = 1ull << 39;
  std::string missing;
  if (!(caps & kNetAdmin)) missing += " CAP_NET_ADMIN";
  if (!(caps & kNetRaw)) missing += " CAP_NET_RAW";
  if (!(caps & (kBpf | kSysAdmin))) missing += " CAP_BPF";
  if (!missing.empty())
    return Napi::String::New(env, "AF_XDP needs root or the capabilities" + missing + ", which this process lacks");
  int fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return Napi::String::New(env, "this kernel does not give AF_XDP sockets: " + std::string(strerror(errno)));
  close(fd);
  std::string why = ProbeLoad(obj);
  if (why.empty()) why = ProbeUmem(env);
  return Napi::String::New(env, why);
}

Napi::Value Configure(const Napi::CallbackInfo& info) {
  Addon* addon = Addon::Of(info.Env());
  // xdpConfigure(objPath, busyPoll, mode 'auto' | 'native' | 'generic')
  std::string mode = info.Length() > 2 && info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "auto";
  int m = mode == "native" ? Steer::kModeNative : mode == "generic" ? Steer::kModeGeneric : Steer::kModeAuto;
  if (!addon->xdp) addon->xdp = new Engine(addon, info[0].As<Napi::String>(), m, info[1].ToBoolean());
  return info.Env().Undefined();
}

Napi::Value Flush(const Napi::CallbackInfo& info) {
  Addon* addon = Addon::Of(info.Env());
  if (addon->xdp) addon->xdp->Flush();
  return info.Env().Undefined();
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  Addon* addon = Addon::Of(info.Env());
  if (!addon->xdp) return Napi::Object::New(info.Env());
  return addon->xdp->Stats(info.Env());
}

void OnCleanup(napi_async_cleanup_hook_handle hook, void* arg) {
  auto* addon = static_cast<Addon*>(arg);
  if (addon->xdp) addon->xdp->Shutdown(hook);
  else napi_remove_async_cleanup_hook(hook);
}

}  // namespace

void Init(Napi::Env env, Napi::Object exports, Addon* addon) {
  // uv handles must be closed while the loop runs and this addon is still loaded.
  napi_add_async_cleanup_hook(env, OnCleanup, addon, nullptr);
  Napi::Function ctor = UdpSocket::Class(env);
  addon->xdpUdpCtor = Napi::Persistent(ctor);
  exports.Set("XdpUdp", ctor);
  exports.Set("xdpProbe", Napi::Function::New(env, Probe, "xdpProbe"));
  exports.Set("xdpConfigure", Napi::Function::New(env, Configure, "xdpConfigure"));
  exports.Set("xdpFlush", Napi::Function::New(env, Flush, "xdpFlush"));
  exports.Set("xdpStats", Napi::Function::New(env, Stats, "xdpStats"));
}

void Destroy(Addon* addon) {
  delete addon->xdp;   // closes XSKs and bpf_links: programs leave the interfaces
  addon->xdp = nullptr;
}

}  // namespace ringsock::xdp
