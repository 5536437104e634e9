#include "uring/buf_ring.h"
#include <sys/mman.h>
#include <cerrno>
#include <cstring>

namespace ringsock::uring {

BufRing* BufRing::Create(io_uring* ring, uint16_t group, unsigned count, size_t size, std::string* err) {
  auto* b = new BufRing();
  b->group_ = group;
  b->count_ = count;  // power of two, <= 32768
  b->size_ = size;
  b->ring_bytes_ = count * sizeof(io_uring_buf);
  void* r = mmap(nullptr, b->ring_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  void* m = mmap(nullptr, count * size, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (r == MAP_FAILED || m == MAP_FAILED) {
    *err = std::string("mmap of the provided buffers failed: ") + strerror(errno);
    if (r != MAP_FAILED) munmap(r, b->ring_bytes_);
    if (m != MAP_FAILED) munmap(m, count * size);
    delete b;
    return nullptr;
  }
  b->br_ = static_cast<io_uring_buf_ring*>(r);
  b->base_ = static_cast<char*>(m);
  io_uring_buf_reg reg;
  memset(&reg, 0, sizeof reg);
  reg.ring_addr = reinterpret_cast<uintptr_t>(b->br_);
  reg.ring_entries = count;
  reg.bgid = group;
  int rc = io_uring_register_buf_ring(ring, &reg, 0);
  if (rc) {
    *err = std::string("io_uring_register_buf_ring failed: ") + strerror(-rc) +
           (rc == -EINVAL ? " (kernel older than 5.19?)" : "");
    b->ring_ = nullptr;
    delete b;
    return nullptr;
  }
  b->ring_ = ring;
  io_uring_buf_ring_init(b->br_);
  int mask = io_uring_buf_ring_mask(count);
  for (unsigned i = 0; i < count; i++) io_uring_buf_ring_add(b->br_, b->Buf(i), size, i, mask, i);
  io_uring_buf_ring_advance(b->br_, count);
  return b;
}

void BufRing::Recycle(unsigned bid) {
  io_uring_buf_ring_add(br_, Buf(bid), size_, bid, io_uring_buf_ring_mask(count_), 0);
  io_uring_buf_ring_advance(br_, 1);
}

BufRing::~BufRing() {
  if (ring_) io_uring_unregister_buf_ring(ring_, group_);
  if (br_) munmap(br_, ring_bytes_);
  if (base_) munmap(base_, count_ * size_);
}

}  // namespace ringsock::uring
