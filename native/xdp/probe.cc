// See probe.h.
#include "probe.h"

#include <errno.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xdp/xsk.h>
#include <cstring>
#include "common/memlock.h"
#include "device.h"
#include "loader.h"

namespace ringsock::xdp {

namespace {

// Registers a UMEM of the size a queue uses, to find memlock trouble before a socket binds.
std::string ProbeUmem(size_t locked_bytes) {
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
  std::string memlock =
      err == -ENOMEM || err == -EPERM || err == -ENOBUFS ? MemlockShortfall(size + locked_bytes) : "";
  if (!memlock.empty()) return head + " beside the io_uring engine (" + memlock + "): " + strerror(-err);
  return head + ": " + strerror(-err);
}

}  // namespace

std::string Probe(const std::string& obj_path, size_t locked_bytes) {
  uint64_t caps = EffectiveCaps();
  const uint64_t kNetAdmin = 1ull << 12, kNetRaw = 1ull << 13, kSysAdmin = 1ull << 21, kBpf = 1ull << 39;
  std::string missing;
  if (!(caps & kNetAdmin)) missing += " CAP_NET_ADMIN";
  if (!(caps & kNetRaw)) missing += " CAP_NET_RAW";
  if (!(caps & (kBpf | kSysAdmin))) missing += " CAP_BPF";
  if (!missing.empty()) return "AF_XDP needs root or the capabilities" + missing + ", which this process lacks";
  int fd = socket(AF_XDP, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) return "this kernel does not give AF_XDP sockets: " + std::string(strerror(errno));
  close(fd);
  std::string why = ProbeLoad(obj_path);
  if (why.empty()) why = ProbeUmem(locked_bytes);
  return why;
}

}  // namespace ringsock::xdp
