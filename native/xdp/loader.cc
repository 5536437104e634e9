// See loader.h.
#include "loader.h"

#include <set>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <unistd.h>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <vector>

namespace ringsock::xdp {

namespace {
std::mutex g_log_mu;
std::string g_last_log;

int LibbpfLog(enum libbpf_print_level level, const char* fmt, va_list ap) {
  if (level == LIBBPF_DEBUG) return 0;
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, ap);
  std::lock_guard<std::mutex> lock(g_log_mu);
  g_last_log = buf;
  while (!g_last_log.empty() && g_last_log.back() == '\n') g_last_log.pop_back();
  if (getenv("RINGSOCK_XDP_DEBUG")) fprintf(stderr, "ringsock libbpf: %s\n", g_last_log.c_str());
  return 0;
}

void InstallLog() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(LibbpfLog); });
}

// Is a program attached in any mode? (so that we refuse instead of failing obscurely)
bool Attached(int ifindex, uint32_t* prog_id, const char** off_cmd) {
  LIBBPF_OPTS(bpf_xdp_query_opts, q);
  if (bpf_xdp_query(ifindex, 0, &q) != 0) return false;
  *prog_id = q.prog_id ? q.prog_id : q.skb_prog_id ? q.skb_prog_id : q.drv_prog_id ? q.drv_prog_id : q.hw_prog_id;
  *off_cmd = q.attach_mode == XDP_ATTACHED_SKB ? "xdpgeneric off" : q.attach_mode == XDP_ATTACHED_HW ? "xdpoffload off" : "xdpdrv off";
  return q.attach_mode != XDP_ATTACHED_NONE;
}
// The rs_ports map of program `prog_id` when that program is ringsock's steering program
// (another process's), else -1. The caller closes it.
int PeerPortsFd(uint32_t prog_id) {
  int prog_fd = bpf_prog_get_fd_by_id(prog_id);
  if (prog_fd < 0) return -1;
  uint32_t map_ids[8] = {};
  bpf_prog_info info{};
  info.nr_map_ids = 8;
  info.map_ids = reinterpret_cast<uint64_t>(map_ids);
  uint32_t len = sizeof info;
  int ports = -1;
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) == 0 && strcmp(info.name, RS_PROG_NAME) == 0) {
    for (uint32_t i = 0; i < info.nr_map_ids && i < 8 && ports < 0; i++) {
      int fd = bpf_map_get_fd_by_id(map_ids[i]);
      if (fd < 0) continue;
      bpf_map_info mi{};
      uint32_t mlen = sizeof mi;
      if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) == 0 && strcmp(mi.name, RS_MAP_PORTS) == 0) ports = fd;
      else close(fd);
    }
  }
  close(prog_fd);
  return ports;
}
}  // namespace

std::string LastLibbpfMessage() {
  std::lock_guard<std::mutex> lock(g_log_mu);
  return g_last_log;
}

Steer::~Steer() { Detach(); }

int Steer::Attach(const std::string& path, int ifindex, const std::string& ifname, int mode, std::string* why) {
  InstallLog();
  uint32_t other = 0;
  const char* off = "";
  if (Attached(ifindex, &other, &off)) {
    int peer = PeerPortsFd(other);
    if (peer >= 0) {
      close(peer);
      *why = ifname + " is bypassed by another ringsock process (XDP program id " + std::to_string(other) + ")";
      return -EALREADY;
    }
    *why = "another XDP program (id " + std::to_string(other) + ") is attached to " + ifname +
           "; ringsock does not replace it (remove it with `ip link set dev " + ifname + " " + off + "`)";
    return -EBUSY;
  }
  obj_ = bpf_object__open_file(path.c_str(), nullptr);
  if (!obj_ || libbpf_get_error(obj_)) {
    int err = obj_ ? int(libbpf_get_error(obj_)) : -errno;
    obj_ = nullptr;
    *why = "cannot open the XDP object " + path + " (run `make -C bpf`): " + strerror(-err);
    return err ? err : -ENOENT;
  }
  int err = bpf_object__load(obj_);
  if (err) {
    *why = "the kernel refused the XDP program: " + std::string(strerror(-err)) + " (" + LastLibbpfMessage() + ")";
    Detach();
    return err;
  }
  bpf_program* prog = bpf_object__find_program_by_name(obj_, RS_PROG_NAME);
  ports_fd_ = bpf_object__find_map_fd_by_name(obj_, RS_MAP_PORTS);
  xsks_fd_ = bpf_object__find_map_fd_by_name(obj_, RS_MAP_XSKS);
  stats_fd_ = bpf_object__find_map_fd_by_name(obj_, RS_MAP_STATS);
  local_fd_ = bpf_object__find_map_fd_by_name(obj_, RS_MAP_LOCAL);
  qports_fd_ = bpf_object__find_map_fd_by_name(obj_, RS_MAP_QPORTS);
  local_.clear();
  if (!prog || ports_fd_ < 0 || xsks_fd_ < 0 || stats_fd_ < 0 || local_fd_ < 0 || qports_fd_ < 0) {
    *why = "the XDP object " + path + " lacks " RS_PROG_NAME " or its maps (stale build?)";
    Detach();
    return -ENOENT;
  }
  // bpf_program__attach_xdp() passes no mode flags; bpf_link_create() takes them, so the mode
  // is chosen here: driver first, then generic. Both are links: closing link_fd_ detaches.
  int errs[2] = {0, 0};
  for (int i = 0; i < 2 && link_fd_ < 0; i++) {
    if ((i == 0 && mode == kModeGeneric) || (i == 1 && mode == kModeNative)) continue;
    LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = i == 0 ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE);
    int fd = bpf_link_create(bpf_program__fd(prog), ifindex, BPF_XDP, &opts);
    if (fd >= 0) {
      link_fd_ = fd;
      native_ = i == 0;
    } else {
      errs[i] = fd;
    }
  }
  if (link_fd_ < 0) {
    *why = "cannot attach XDP to " + ifname + ":" +
           (errs[0] ? std::string(" native mode ") + strerror(-errs[0]) : std::string()) +
           (errs[1] ? std::string(" generic mode ") + strerror(-errs[1]) : std::string());
    int e = errs[1] ? errs[1] : errs[0] ? errs[0] : -EINVAL;
    Detach();
    return e;
  }
  return 0;
}

void Steer::Detach() {
  if (link_fd_ >= 0) close(link_fd_);
  link_fd_ = -1;
  if (obj_) bpf_object__close(obj_);   // closes the map fds as well
  obj_ = nullptr;
  ports_fd_ = xsks_fd_ = stats_fd_ = local_fd_ = qports_fd_ = -1;
  local_.clear();
}

// Values are a socket count plus flags; RS_PORT_SHARED, which another process may set, is kept.
int Steer::WritePort(uint8_t proto, uint16_t port, uint8_t family, uint32_t count, bool per_queue) {
  rs_port_key k{port, proto, family};
  uint32_t v = 0;
  if (bpf_map_lookup_elem(ports_fd_, &k, &v) != 0) v = 0;
  uint32_t shared = v & RS_PORT_SHARED;
  if (!count && !shared) return bpf_map_delete_elem(ports_fd_, &k) && errno != ENOENT ? -errno : 0;
  v = shared | (per_queue ? RS_PORT_PER_QUEUE : 0) | count;
  return bpf_map_update_elem(ports_fd_, &k, &v, BPF_ANY) ? -errno : 0;
}

int Steer::SetQueuePort(uint8_t proto, uint16_t port, uint8_t family, uint32_t queue, bool on) {
  rs_qport_key k{{port, proto, family}, queue};
  if (!on) return bpf_map_delete_elem(qports_fd_, &k) && errno != ENOENT ? -errno : 0;
  const uint32_t one = 1;
  return bpf_map_update_elem(qports_fd_, &k, &one, BPF_ANY) ? -errno : 0;
}

int Steer::SharePort(int ifindex, uint8_t proto, uint16_t port, uint8_t family) {
  uint32_t prog = 0;
  const char* off = "";
  if (!Attached(ifindex, &prog, &off)) return -ENOENT;
  int fd = PeerPortsFd(prog);
  if (fd < 0) return -ENOENT;
  rs_port_key k{port, proto, family};
  uint32_t v = 0;
  if (bpf_map_lookup_elem(fd, &k, &v) != 0) v = 0;
  v |= RS_PORT_SHARED;
  int err = bpf_map_update_elem(fd, &k, &v, BPF_ANY) ? -errno : 0;
  close(fd);
  return err;
}

int Steer::SyncLocal(const std::vector<stack::IpAddr>& addrs) {
  std::set<std::string> want;
  for (auto& a : addrs) {
    rs_addr_key k{};
    k.family = a.family;
    memcpy(k.addr, a.b, a.family == 4 ? 4 : 16);
    want.emplace(reinterpret_cast<const char*>(&k), sizeof k);
  }
  int err = 0;
  for (auto it = local_.begin(); it != local_.end();) {
    if (want.count(*it)) { ++it; continue; }
    bpf_map_delete_elem(local_fd_, it->data());
    it = local_.erase(it);
  }
  const uint32_t one = 1;
  for (auto& k : want) {
    if (local_.count(k)) continue;
    if (bpf_map_update_elem(local_fd_, k.data(), &one, BPF_ANY)) { err = -errno; continue; }
    local_.insert(k);
  }
  return err;
}

int Steer::SetXsk(uint32_t queue, int xsk_fd) {
  return bpf_map_update_elem(xsks_fd_, &queue, &xsk_fd, BPF_ANY) ? -errno : 0;
}

int Steer::ClearXsk(uint32_t queue) {
  return bpf_map_delete_elem(xsks_fd_, &queue) && errno != ENOENT ? -errno : 0;
}

void Steer::Counters(uint64_t out[RS_STAT_MAX]) const {
  memset(out, 0, sizeof(uint64_t) * RS_STAT_MAX);
  if (stats_fd_ < 0) return;
  int ncpu = libbpf_num_possible_cpus();
  if (ncpu <= 0) return;
  std::vector<uint64_t> v(static_cast<size_t>(ncpu));
  for (uint32_t k = 0; k < RS_STAT_MAX; k++) {
    if (bpf_map_lookup_elem(stats_fd_, &k, v.data()) != 0) continue;
    for (int c = 0; c < ncpu; c++) out[k] += v[size_t(c)];
  }
}

std::string ProbeLoad(const std::string& path) {
  InstallLog();
  if (access(path.c_str(), R_OK) != 0) return "the XDP object " + path + " is missing (run `make -C bpf`)";
  bpf_object* obj = bpf_object__open_file(path.c_str(), nullptr);
  if (!obj || libbpf_get_error(obj)) return "cannot open the XDP object " + path + ": " + LastLibbpfMessage();
  int err = bpf_object__load(obj);
  bpf_object__close(obj);
  if (err) return "the kernel refused to load the XDP program: " + std::string(strerror(-err));
  return "";
}

}  // namespace ringsock::xdp
