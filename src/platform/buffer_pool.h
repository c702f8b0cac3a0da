// Payload buffers kept for reuse: a process that sends and receives many small packets (a
// decoder step: hundreds of one-row messages) would otherwise allocate and free one payload per
// packet. A buffer given back keeps its storage; take() hands out the most recently given one,
// emptied. Owned and used by one thread (the one running a process's kernels); not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace atl::platform {

class BufferPool {
 public:
  // Keeps at most `limit` buffers; more given back are freed.
  explicit BufferPool(std::size_t limit) : limit_(limit) {}

  // An empty buffer: the storage of the last buffer given back (LIFO), or none when the pool is
  // empty.
  std::vector<std::uint8_t> take() {
    if (kept_.empty()) return {};
    std::vector<std::uint8_t> b = std::move(kept_.back());
    kept_.pop_back();
    b.clear();
    return b;
  }

  // Keeps `buffer`'s storage for a later take() (a buffer without storage is not kept).
  void give(std::vector<std::uint8_t>&& buffer) {
    if (buffer.capacity() > 0 && kept_.size() < limit_) kept_.push_back(std::move(buffer));
  }

  std::size_t kept() const { return kept_.size(); }

 private:
  std::size_t limit_;
  std::vector<std::vector<std::uint8_t>> kept_;
};

}  // namespace atl::platform
