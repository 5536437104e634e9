// Datagrams received since the last delivery, in the layout JS takes them (src/backends/types.ts
// OnMessages): payloads back to back, 4 ints per datagram (offset, length, source port, index
// of its source address), the source addresses as strings. Filled by any datagram transport
// (kernel UDP on io_uring, the XSK half of a bypass socket); js/dgram_delivery.h hands it to JS.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace ringsock::transport {

struct DgramBatch {
  static constexpr size_t kKeepBytes = 4 << 20;  // a larger buffer is not kept for the next batch

  std::vector<char> data;
  std::vector<int32_t> meta;
  std::vector<std::string> sources;

  bool empty() const { return meta.empty(); }
  // `source` indexes `sources`; the caller adds a source when it differs from the last one's.
  void Append(const void* payload, size_t len, int port, int32_t source) {
    meta.push_back(static_cast<int32_t>(data.size()));
    meta.push_back(static_cast<int32_t>(len));
    meta.push_back(port);
    meta.push_back(source);
    const char* p = static_cast<const char*>(payload);
    data.insert(data.end(), p, p + len);
  }
  int32_t AddSource(std::string s) {
    sources.push_back(std::move(s));
    return static_cast<int32_t>(sources.size() - 1);
  }
  void Clear() {
    data.clear();
    meta.clear();
    sources.clear();
    if (data.capacity() > kKeepBytes) std::vector<char>().swap(data);
  }
};

}  // namespace ringsock::transport
