// ThreadTeam: the threads of one OpenMP parallel region working through a chain of short steps
// (a decode step: about 150 products, attention and row steps per token) with cheap
// synchronisation: one region per token instead of one per step.
//
// Why: under OMP_WAIT_POLICY=passive (bench/run.sh; what a shared machine needs) every OpenMP
// region start and barrier puts the idle thread to sleep and wakes it with a futex; on the 2-core
// VM of docs/performance.md that cost 15-30 us per region at load 6 and, measured over a decode
// step, about 150 us per product: more than the product itself (a 4 MB matrix streams in
// ~70 us). Here a waiting thread spins for up to kTeamSpin first (the other thread is normally a
// few microseconds from the barrier) and only then sleeps; the last thread to arrive wakes
// sleepers only when there are any.
//
// Work sharing: next_item(n) hands out items 0..n-1. Thread r of c first takes the items of its own
// contiguous range [n r / c, n (r + 1) / c) in order (a steady stream through memory), then helps
// with the others' ranges (a thread that loses its core on a loaded machine leaves its items to
// the rest). Each item goes to exactly one thread.
//
// Rules: every thread of the region calls barrier() and the work-sharing steps in the same order;
// a work-sharing step (items taken with next_item) ends with a barrier() before the next one
// begins (the barrier resets the ranges). The team size is the region's (omp_get_num_threads()),
// at most the ThreadTeam's capacity; a team of one never waits. A barrier has no deadline, like
// OpenMP's own: the threads wait only for each other's finite work.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace atl::kernels {

inline constexpr std::chrono::microseconds kTeamSpin{200};

// The shared state of a team of up to `capacity` threads. Not copyable (the threads hold its
// address).
class ThreadTeam {
 public:
  explicit ThreadTeam(int capacity);
  ThreadTeam(const ThreadTeam&) = delete;
  ThreadTeam& operator=(const ThreadTeam&) = delete;
  int capacity() const { return capacity_; }

 private:
  friend class TeamThread;
  struct alignas(64) Range {
    std::atomic<std::int64_t> taken{0};  // items handed out from this thread's range
  };
  int capacity_;
  std::unique_ptr<Range[]> ranges_;  // [capacity]
  alignas(64) std::atomic<int> arrived_{0};
  alignas(64) std::atomic<std::uint32_t> generation_{0};
  std::atomic<int> sleepers_{0};
};

// One thread's view of the team inside the region: thread `index` of `size`.
class TeamThread {
 public:
  // 1 <= size <= team.capacity(), 0 <= index < size (else core::Error, internal).
  TeamThread(ThreadTeam& team, int index, int size);
  // The calling thread of the current OpenMP region (omp_get_thread_num of omp_get_num_threads;
  // outside a region: a team of one).
  static TeamThread current(ThreadTeam& team);

  int index() const { return index_; }
  int size() const { return size_; }
  // Waits until every thread of the team has called it (the same number of times).
  void barrier() const;
  // The next item of the current work-sharing step over n items for this thread, or -1 when none
  // is left; every thread passes the same n.
  std::int64_t next_item(std::int64_t n) const;

 private:
  ThreadTeam* team_;
  int index_;
  int size_;
};

}  // namespace atl::kernels
