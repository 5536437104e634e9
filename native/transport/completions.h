// Requests (sends, writes) finished since the last delivery, ids and results side by side, as
// the owner takes them (DgramTransport::TakeSendDone, StreamTransport::TakeWriteDone): written
// once for every transport.
#pragma once
#include <cstdint>
#include <vector>

namespace ringsock::transport {

struct Completions {
  std::vector<int32_t> ids, results;

  bool empty() const { return ids.empty(); }
  void Add(int32_t id, int32_t result) {
    ids.push_back(id);
    results.push_back(result);
  }
  void Clear() {
    ids.clear();
    results.clear();
  }
  // Hands everything to the caller (its vectors' storage comes back for the next round).
  bool Take(std::vector<int32_t>* ids_out, std::vector<int32_t>* results_out) {
    if (ids.empty()) return false;
    ids_out->swap(ids);
    results_out->swap(results);
    Clear();
    return true;
  }
};

}  // namespace ringsock::transport
