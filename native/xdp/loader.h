// The XDP side of one interface: bpf/steer.bpf.o loaded with libbpf and attached through a
// bpf_link, so the kernel detaches it when the last fd goes away, process death included
// (DESIGN.md decision 5). Native (driver) mode first, generic (skb) mode as the fallback.
// Another program already on the interface is never replaced: Attach fails with -EBUSY, or with
// -EALREADY when it is another ringsock process's (then SharePort lets both use a port).
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>
#include "../../bpf/steer_consts.h"
#include "stack/packet.h"

struct bpf_object;

namespace ringsock::xdp {

class Steer {
 public:
  ~Steer();
  // 0 or -errno; *why says what failed in words.
  // mode: kModeAuto tries driver then generic; kModeNative / kModeGeneric only that one.
  static constexpr int kModeAuto = 0, kModeNative = 1, kModeGeneric = 2;
  int Attach(const std::string& obj_path, int ifindex, const std::string& ifname, int mode, std::string* why);
  void Detach();
  // (proto, port, family) owned by `count` sockets (0: none, the entry goes unless another
  // process shares it); per_queue: only on the rx queues SetQueuePort names.
  int WritePort(uint8_t proto, uint16_t port, uint8_t family, uint32_t count, bool per_queue);
  int SetQueuePort(uint8_t proto, uint16_t port, uint8_t family, uint32_t queue, bool on);
  // In the map of the ringsock program another process attached to `ifindex`: marks the port
  // RS_PORT_SHARED, so its frames go to the kernel, where this process's socket gets them too.
  static int SharePort(int ifindex, uint8_t proto, uint16_t port, uint8_t family);
  // Makes RS_MAP_LOCAL hold exactly `addrs` (the namespace's addresses and subnet broadcasts).
  int SyncLocal(const std::vector<stack::IpAddr>& addrs);
  int SetXsk(uint32_t queue, int xsk_fd);
  int ClearXsk(uint32_t queue);
  int xsks_fd() const { return xsks_fd_; }
  bool native() const { return native_; }
  // Sums of the per-CPU counters of enum rs_stat.
  void Counters(uint64_t out[RS_STAT_MAX]) const;

 private:
  bpf_object* obj_ = nullptr;
  int link_fd_ = -1, ports_fd_ = -1, xsks_fd_ = -1, stats_fd_ = -1, local_fd_ = -1, qports_fd_ = -1;
  std::set<std::string> local_;   // RS_MAP_LOCAL's keys, as bytes
  bool native_ = false;
};

// Loads (and unloads) the object to see that this kernel accepts it: nullptr or the reason.
std::string ProbeLoad(const std::string& obj_path);
// The last libbpf warning/error text (libbpf logs through a hook that keeps it).
std::string LastLibbpfMessage();

}  // namespace ringsock::xdp
