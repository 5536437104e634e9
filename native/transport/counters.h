// Per-socket counters a transport keeps for ringsock.stats() (docs/STATS.md). Plain numbers,
// no N-API: the JS classes (native/js/*_socket.cc) turn them into objects.
#pragma once
#include <cstdint>

namespace ringsock::transport {

struct Counters {
  // UDP: datagrams; TCP: receive completions carrying bytes / writes whose bytes all left.
  uint64_t rx_messages = 0, rx_bytes = 0, tx_messages = 0, tx_bytes = 0;
  // Received but never handed to JS (UDP: truncated datagrams).
  uint64_t drops = 0;
  // Failures reported to JS: receive errors, failed sends or writes, failed accepts.
  uint64_t errors = 0;
};

}  // namespace ringsock::transport
