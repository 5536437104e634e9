// An engine's delivery round, as the layer above it sees it: opened before the round's news is
// handed on (Core::Deliver of every pending socket) and closed after. The JS layer
// (js/stream_batch.h) opens a handle scope, gathers the TCP news of the round and makes one JS
// call when it closes; Open() false means nothing may be delivered now (the environment stops).
#pragma once

namespace ringsock::transport {

class DeliveryScope {
 public:
  virtual bool Open() = 0;
  virtual void Close() = 0;

 protected:
  ~DeliveryScope() = default;
};

}  // namespace ringsock::transport
