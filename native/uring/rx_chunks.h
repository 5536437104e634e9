// Bytes a TCP socket received that JS has not taken yet: a chain of 64 KiB blocks drawn from
// a pool its engine shares. Blocks come back warm; a growing std::vector did not: glibc serves
// large vectors with fresh mmap'd pages, and their page faults cut a bulk receive to a third
// until malloc's thresholds adapted (perf: memmove into rx + exc_page_fault, 60% of the time).
#pragma once
#include <cstddef>
#include <cstring>
#include <deque>
#include <vector>

namespace ringsock::uring {

class BlockPool {
 public:
  static constexpr size_t kBlock = 64 * 1024;
  static constexpr size_t kKeep = 64;  // blocks kept for reuse (4 MiB); more go back to malloc
  ~BlockPool() {
    for (char* b : free_) delete[] b;
  }
  char* Get() {
    if (free_.empty()) return new char[kBlock];
    char* b = free_.back();
    free_.pop_back();
    return b;
  }
  void Put(char* b) {
    if (free_.size() < kKeep) free_.push_back(b);
    else delete[] b;
  }

 private:
  std::vector<char*> free_;
};

class RxChunks {
 public:
  bool empty() const { return blocks_.empty(); }
  size_t bytes() const { return bytes_; }
  // Appends n bytes: the last block fills up first, then new blocks from the pool.
  void Append(BlockPool* pool, const char* p, size_t n) {
    while (n > 0) {
      if (blocks_.empty() || blocks_.back().size == BlockPool::kBlock) blocks_.push_back({pool->Get(), 0});
      Block& b = blocks_.back();
      size_t k = n < BlockPool::kBlock - b.size ? n : BlockPool::kBlock - b.size;
      memcpy(b.data + b.size, p, k);
      b.size += k;
      bytes_ += k;
      p += k;
      n -= k;
    }
  }
  const char* FrontData() const { return blocks_.front().data; }
  size_t FrontSize() const { return blocks_.front().size; }
  void PopFront(BlockPool* pool) {
    bytes_ -= blocks_.front().size;
    pool->Put(blocks_.front().data);
    blocks_.pop_front();
  }
  // pool == nullptr: the engine (and its pool) is going away; the blocks are freed.
  void Clear(BlockPool* pool) {
    for (Block& b : blocks_) {
      if (pool) pool->Put(b.data);
      else delete[] b.data;
    }
    blocks_.clear();
    bytes_ = 0;
  }
  ~RxChunks() { Clear(nullptr); }

 private:
  struct Block {
    char* data;
    size_t size;
  };
  std::deque<Block> blocks_;
  size_t bytes_ = 0;
};

}  // namespace ringsock::uring
