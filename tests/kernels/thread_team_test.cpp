#include "kernels/thread_team.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <atomic>
#include <vector>

#include "core/error.h"

namespace {

using namespace atl::kernels;

// Several work-sharing steps of different sizes, each ended by a barrier: every item of every
// step is taken exactly once, and after a barrier every thread sees all the step's writes.
TEST(ThreadTeam, EveryItemOnceAndBarriersOrderTheSteps) {
  const std::vector<std::int64_t> steps = {0, 1, 2, 3, 7, 64, 1000, 5, 1};
  for (const int threads : {1, 2, 3, 4}) {
    ThreadTeam team(threads);
    std::vector<std::vector<int>> taken;
    for (const std::int64_t n : steps) taken.emplace_back(static_cast<std::size_t>(n), 0);
    std::vector<std::int64_t> sums(steps.size(), -1);
    std::atomic<int> regions{0};
#pragma omp parallel num_threads(threads)
    {
      const TeamThread me = TeamThread::current(team);
      if (me.index() == 0) regions = me.size();
      for (std::size_t s = 0; s < steps.size(); ++s) {
        for (std::int64_t i; (i = me.next_item(steps[s])) >= 0;) {
          ++taken[s][static_cast<std::size_t>(i)];  // one thread per item: no race
        }
        me.barrier();
        if (me.index() == me.size() - 1) {  // reads what every thread wrote before the barrier
          std::int64_t sum = 0;
          for (const int t : taken[s]) sum += t;
          sums[s] = sum;
        }
        me.barrier();
      }
    }
    EXPECT_EQ(regions.load(), threads) << "the region got fewer threads than asked";
    for (std::size_t s = 0; s < steps.size(); ++s) {
      EXPECT_EQ(taken[s], std::vector<int>(static_cast<std::size_t>(steps[s]), 1))
          << threads << " threads, step " << s;
      EXPECT_EQ(sums[s], steps[s]) << threads << " threads, step " << s;
    }
  }
}

// Each thread first takes its own contiguous range, in order.
TEST(ThreadTeam, OwnRangeFirstInOrder) {
  ThreadTeam team(3);
  const TeamThread second(team, 1, 3);
  // 10 items over 3 threads: ranges [0, 3), [3, 6), [6, 10).
  EXPECT_EQ(second.next_item(10), 3);
  EXPECT_EQ(second.next_item(10), 4);
  EXPECT_EQ(second.next_item(10), 5);
  EXPECT_EQ(second.next_item(10), 6);  // then helps thread 2
  const TeamThread third(team, 2, 3);
  EXPECT_EQ(third.next_item(10), 7);
  const TeamThread first(team, 0, 3);
  EXPECT_EQ(first.next_item(10), 0);
}

TEST(ThreadTeam, OutsideARegionIsATeamOfOne) {
  ThreadTeam team(omp_get_max_threads());
  const TeamThread me = TeamThread::current(team);
  EXPECT_EQ(me.size(), 1);
  EXPECT_EQ(me.next_item(2), 0);
  EXPECT_EQ(me.next_item(2), 1);
  EXPECT_EQ(me.next_item(2), -1);
  me.barrier();  // returns at once and starts the next step
  EXPECT_EQ(me.next_item(1), 0);
}

TEST(ThreadTeam, RejectsBadSizes) {
  EXPECT_THROW(ThreadTeam(0), atl::core::Error);
  ThreadTeam team(2);
  EXPECT_THROW(TeamThread(team, 0, 3), atl::core::Error);
  EXPECT_THROW(TeamThread(team, 2, 2), atl::core::Error);
  EXPECT_THROW(TeamThread(team, -1, 1), atl::core::Error);
}

}  // namespace
