#include "kernels/thread_team.h"

#include <omp.h>

#include <string>

#include "core/error.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace atl::kernels {

namespace {

// A hint that this thread is spinning (lets the other hardware thread of the core run).
inline void spin_pause() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

}  // namespace

ThreadTeam::ThreadTeam(int capacity)
    : capacity_(capacity), ranges_(std::make_unique<Range[]>(capacity > 0 ? capacity : 1)) {
  if (capacity < 1) {
    throw core::Error(core::ErrorKind::internal,
                      "ThreadTeam: capacity " + std::to_string(capacity) + ", expected >= 1");
  }
}

TeamThread::TeamThread(ThreadTeam& team, int index, int size)
    : team_(&team), index_(index), size_(size) {
  if (size < 1 || size > team.capacity() || index < 0 || index >= size) {
    throw core::Error(core::ErrorKind::internal, "TeamThread: thread " + std::to_string(index) +
                                                     " of " + std::to_string(size) +
                                                     " in a team of capacity " +
                                                     std::to_string(team.capacity()));
  }
}

TeamThread TeamThread::current(ThreadTeam& team) {
  return {team, omp_get_thread_num(), omp_get_num_threads()};
}

void TeamThread::barrier() const {
  ThreadTeam& t = *team_;
  if (size_ == 1) {
    t.ranges_[0].taken.store(0, std::memory_order_relaxed);
    return;
  }
  const std::uint32_t generation = t.generation_.load(std::memory_order_acquire);
  if (t.arrived_.fetch_add(1, std::memory_order_acq_rel) == size_ - 1) {
    // The last to arrive: nobody takes items now, so the ranges restart for the next step.
    for (int i = 0; i < size_; ++i) t.ranges_[i].taken.store(0, std::memory_order_relaxed);
    t.arrived_.store(0, std::memory_order_relaxed);
    t.generation_.store(generation + 1, std::memory_order_seq_cst);
    if (t.sleepers_.load(std::memory_order_seq_cst) > 0) t.generation_.notify_all();
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  for (unsigned i = 1; t.generation_.load(std::memory_order_acquire) == generation; ++i) {
    if (i % 64 == 0 && std::chrono::steady_clock::now() - start > kTeamSpin) {
      // Sleep: announced first, so that the last thread (which stores the generation, then
      // reads sleepers_, both sequentially consistent) either sees us or we see its generation.
      t.sleepers_.fetch_add(1, std::memory_order_seq_cst);
      while (t.generation_.load(std::memory_order_seq_cst) == generation) {
        t.generation_.wait(generation, std::memory_order_seq_cst);
      }
      t.sleepers_.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
    spin_pause();
  }
}

std::int64_t TeamThread::next_item(std::int64_t n) const {
  for (int k = 0; k < size_; ++k) {
    const int r = (index_ + k) % size_;
    const std::int64_t begin = n * r / size_, count = n * (r + 1) / size_ - begin;
    std::atomic<std::int64_t>& taken = team_->ranges_[r].taken;
    if (taken.load(std::memory_order_relaxed) >= count) continue;  // spent: no write
    const std::int64_t i = taken.fetch_add(1, std::memory_order_relaxed);
    if (i < count) return begin + i;
  }
  return -1;
}

}  // namespace atl::kernels
