// The simulator's future-event list: events ordered by (time, sequence number), so two events at
// the same picosecond always run in the order they were scheduled and every run is identical.
//
// A 4-ary implicit heap: the whole-model simulations push and pop ~10^8 events, and a 4-ary heap
// of 16-byte entries touches half the cache lines of a binary heap per operation.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/picos.h"

namespace atl::sim {

struct Event {
  Picos time = 0;
  // (sequence number << 24) | payload: comparing `key` after `time` orders equal times by
  // scheduling order; the low 24 bits name what happens (see run.cpp).
  std::uint64_t key = 0;
  std::uint32_t payload() const { return static_cast<std::uint32_t>(key & kPayloadMask); }
  static constexpr std::uint64_t kPayloadMask = (1u << 24) - 1;
};

class EventQueue {
 public:
  // `payload` must fit in 24 bits (kernel indices: check_simulation; flights: Transfers).
  void push(Picos time, std::uint32_t payload) {
    const Event e{time, (next_seq_++ << 24) | payload};
    if (hole_) {
      // The event being handled left the root empty: fill it with one sift down instead of a
      // removal plus an insertion (most events schedule exactly one successor).
      hole_ = false;
      heap_.front() = e;
      sift_down(0);
      return;
    }
    heap_.push_back(e);
    sift_up(heap_.size() - 1);
  }

  bool empty() const { return heap_.empty(); }
  std::uint64_t pushed() const { return next_seq_; }

  // The earliest event. It stays in place, as a hole the next push() may fill, until
  // finish_pop() (call it after handling the event) removes it if no push did.
  Event begin_pop() {
    hole_ = true;
    return heap_.front();
  }
  void finish_pop() {
    if (!hole_) return;
    hole_ = false;
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0);
  }

 private:
  static bool before(const Event& a, const Event& b) {
    return a.time < b.time || (a.time == b.time && a.key < b.key);
  }

  void sift_up(std::size_t i) {
    Event e = heap_[i];
    while (i > 0) {
      std::size_t parent = (i - 1) / 4;
      if (!before(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }

  void sift_down(std::size_t i) {
    const std::size_t n = heap_.size();
    Event e = heap_[i];
    for (;;) {
      std::size_t first = 4 * i + 1;
      if (first >= n) break;
      std::size_t best = first;
      std::size_t last = first + 4 < n ? first + 4 : n;
      for (std::size_t c = first + 1; c < last; ++c) {
        if (before(heap_[c], heap_[best])) best = c;
      }
      if (!before(heap_[best], e)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = e;
  }

  std::vector<Event> heap_;
  std::uint64_t next_seq_ = 0;
  bool hole_ = false;
};

}  // namespace atl::sim
