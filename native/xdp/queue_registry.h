// Process-wide: which Node environment (the main thread, each worker) owns which rx queue of
// which interface. Every environment has its own engine (DESIGN.md decision 2), but an
// interface has one XDP program, one port map and one XSKMAP for the whole process: the first
// environment attaches the program, each one registers the XSKs of the queues it claimed, and
// the program goes when the last one leaves. While the queues of an interface have several
// owners, ports are owned per queue (RS_PORT_PER_QUEUE, bpf/steer_consts.h): a frame arriving
// on a queue whose owner holds no socket on its port goes to the kernel, where the kernel half
// of the socket that does hold it receives it. Mutex-protected: environments run on their own
// threads. docs/XDP.md, "Interface queues".
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>
#include "loader.h"
#include "netlink.h"

namespace ringsock::xdp {

class InterfaceQueues {
 public:
  using Owner = const void*;   // an environment's engine

  // This process's share of `info` (in the calling thread's network namespace), the program
  // attached when it is the first; nullptr with *err and *why when the attach failed.
  static std::shared_ptr<InterfaceQueues> Join(const IfInfo& info, const std::string& obj_path, int mode,
                                               std::string* why, int* err);
  ~InterfaceQueues();

  // Claims up to `want` free rx queues of `count` (0: every free one) for `o`: their ids, in
  // order; empty when every queue has an owner. *owners says in words who has which.
  std::vector<uint32_t> Claim(Owner o, uint32_t count, uint32_t want, std::string* owners);
  // An XSK of a claimed queue joins the XSKMAP.
  int SetXsk(Owner o, uint32_t queue, int xsk_fd);
  // `o` holds one more (fewer) socket on (proto, port, family).
  int AddPort(Owner o, uint8_t proto, uint16_t port, uint8_t family);
  void RemovePort(Owner o, uint8_t proto, uint16_t port, uint8_t family);
  // `o` leaves: its XSKs leave the XSKMAP, its ports the port map, its queues are free again.
  void Leave(Owner o);
  int SyncLocal(const std::vector<stack::IpAddr>& addrs);
  bool native() const { return steer_.native(); }
  void Counters(uint64_t out[RS_STAT_MAX]) const { steer_.Counters(out); }
  // For tests and stats: the owner of each queue (nullptr: free).
  std::vector<Owner> QueueOwners() const;

 private:
  struct PortKey {
    uint8_t proto, family;
    uint16_t port;
    bool operator<(const PortKey& o) const {
      return std::tie(proto, family, port) < std::tie(o.proto, o.family, o.port);
    }
  };
  // Writes the maps for `k` as its owners now hold it (callers hold mu_).
  int SyncPort(const PortKey& k);
  size_t OwnerCount() const;

  mutable std::mutex mu_;
  Steer steer_;
  std::vector<Owner> queue_owner_;
  std::map<PortKey, std::map<Owner, uint32_t>> ports_;
};

}  // namespace ringsock::xdp
