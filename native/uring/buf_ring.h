// A provided-buffer ring (io_uring_register_buf_ring, kernel 5.19+): `count` buffers of `size`
// bytes that the kernel picks from for multishot receives. liburing 2.3 has no
// io_uring_setup_buf_ring, so the ring memory is mmap'd here and registered by hand.
#pragma once
#include <liburing.h>
#include <cstddef>
#include <cstdint>
#include <string>

namespace ringsock::uring {

class BufRing {
 public:
  // Returns nullptr and sets *err (one sentence) on failure.
  static BufRing* Create(io_uring* ring, uint16_t group, unsigned count, size_t size, std::string* err);
  ~BufRing();  // unregisters (if the ring is still alive) and unmaps

  char* Buf(unsigned bid) const { return base_ + static_cast<size_t>(bid) * size_; }
  size_t size() const { return size_; }
  uint16_t group() const { return group_; }
  // Hands buffer `bid` back to the kernel. Call once per buffer a CQE delivered.
  void Recycle(unsigned bid);
  // The io_uring is being torn down first: skip the unregister.
  void RingGone() { ring_ = nullptr; }

 private:
  BufRing() = default;
  io_uring* ring_ = nullptr;
  io_uring_buf_ring* br_ = nullptr;
  char* base_ = nullptr;
  unsigned count_ = 0;
  size_t size_ = 0, ring_bytes_ = 0;
  uint16_t group_ = 0;
};

}  // namespace ringsock::uring
