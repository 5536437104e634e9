// See queue_registry.h.
#include "queue_registry.h"

#include <errno.h>
#include <sys/stat.h>
#include <set>
#include <tuple>
#include <utility>

namespace ringsock::xdp {

namespace {

// The calling thread's network namespace: an ifindex names an interface only within one.
uint64_t NetnsId() {
  struct stat st;
  if (stat("/proc/thread-self/ns/net", &st) == 0) return uint64_t(st.st_ino);
  return 0;
}

std::mutex g_mu;   // guards g_interfaces (each entry has its own mutex for the rest)
std::map<std::pair<uint64_t, int>, std::weak_ptr<InterfaceQueues>> g_interfaces;

}  // namespace

std::shared_ptr<InterfaceQueues> InterfaceQueues::Join(const IfInfo& info, const std::string& obj_path, int mode,
                                                       std::string* why, int* err) {
  std::lock_guard<std::mutex> lock(g_mu);
  auto key = std::make_pair(NetnsId(), info.index);
  for (auto it = g_interfaces.begin(); it != g_interfaces.end();)
    it = it->second.expired() && it->first != key ? g_interfaces.erase(it) : std::next(it);
  if (auto live = g_interfaces[key].lock()) return live;
  auto fresh = std::make_shared<InterfaceQueues>();
  *err = fresh->steer_.Attach(obj_path, info.index, info.name, mode, why);
  if (*err) {
    g_interfaces.erase(key);
    return nullptr;
  }
  g_interfaces[key] = fresh;
  return fresh;
}

// Expired entries are dropped by Join (this runs with g_mu held when a failed Join lets go).
InterfaceQueues::~InterfaceQueues() = default;

std::vector<uint32_t> InterfaceQueues::Claim(Owner o, uint32_t count, uint32_t want, std::string* owners) {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue_owner_.size() < count) queue_owner_.resize(count, nullptr);
  std::vector<uint32_t> got;
  for (uint32_t q = 0; q < count && (want == 0 || got.size() < want); q++) {
    if (queue_owner_[q]) continue;
    queue_owner_[q] = o;
    got.push_back(q);
  }
  if (got.empty()) *owners = std::to_string(count) + " rx queue" + (count == 1 ? "" : "s") + ", each owned by another Node environment (thread) of this process";
  // With a second owner, every port becomes per queue.
  if (!got.empty() && OwnerCount() > 1)
    for (auto& kv : ports_) SyncPort(kv.first);
  return got;
}

int InterfaceQueues::SetXsk(Owner o, uint32_t queue, int xsk_fd) {
  std::lock_guard<std::mutex> lock(mu_);
  if (queue >= queue_owner_.size() || queue_owner_[queue] != o) return -EINVAL;
  return steer_.SetXsk(queue, xsk_fd);
}

int InterfaceQueues::AddPort(Owner o, uint8_t proto, uint16_t port, uint8_t family) {
  std::lock_guard<std::mutex> lock(mu_);
  PortKey k{proto, family, port};
  ports_[k][o]++;
  int err = SyncPort(k);
  if (err && --ports_[k][o] == 0) {
    ports_[k].erase(o);
    if (ports_[k].empty()) ports_.erase(k);
    SyncPort(k);
  }
  return err;
}

void InterfaceQueues::RemovePort(Owner o, uint8_t proto, uint16_t port, uint8_t family) {
  std::lock_guard<std::mutex> lock(mu_);
  PortKey k{proto, family, port};
  auto it = ports_.find(k);
  if (it == ports_.end()) return;
  auto h = it->second.find(o);
  if (h == it->second.end()) return;
  if (--h->second == 0) it->second.erase(h);
  if (it->second.empty()) ports_.erase(it);
  SyncPort(k);
}

void InterfaceQueues::Leave(Owner o) {
  std::lock_guard<std::mutex> lock(mu_);
  for (uint32_t q = 0; q < queue_owner_.size(); q++) {
    if (queue_owner_[q] != o) continue;
    steer_.ClearXsk(q);
    queue_owner_[q] = nullptr;
  }
  std::vector<PortKey> touched;
  for (auto it = ports_.begin(); it != ports_.end();) {
    touched.push_back(it->first);
    it->second.erase(o);
    it = it->second.empty() ? ports_.erase(it) : std::next(it);
  }
  for (const PortKey& k : touched) SyncPort(k);
}

int InterfaceQueues::SyncLocal(const std::vector<stack::IpAddr>& addrs) {
  std::lock_guard<std::mutex> lock(mu_);
  return steer_.SyncLocal(addrs);
}

std::vector<InterfaceQueues::Owner> InterfaceQueues::QueueOwners() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_owner_;
}

size_t InterfaceQueues::OwnerCount() const {
  std::set<Owner> owners;
  for (Owner o : queue_owner_)
    if (o) owners.insert(o);
  return owners.size();
}

int InterfaceQueues::SyncPort(const PortKey& k) {
  auto it = ports_.find(k);
  uint32_t count = 0;
  if (it != ports_.end())
    for (auto& h : it->second) count += h.second;
  bool per_queue = OwnerCount() > 1;
  // Queue entries first, so that no frame meets the flag before its queue's entry.
  int err = 0;
  for (uint32_t q = 0; q < queue_owner_.size(); q++) {
    bool on = per_queue && it != ports_.end() && queue_owner_[q] && it->second.count(queue_owner_[q]);
    int e = steer_.SetQueuePort(k.proto, k.port, k.family, q, on);
    if (e && !err) err = e;
  }
  int e = steer_.WritePort(k.proto, k.port, k.family, count, per_queue);
  return err ? err : e;
}

}  // namespace ringsock::xdp
