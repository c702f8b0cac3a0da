#include "map/group_milp.h"

#include <gtest/gtest.h>

namespace atl::map {
namespace {

// A chain a - b - c - d (bytes 10, 1, 10) on two FPGAs of two DSPs each, one DSP a kernel.
GroupProblem chain() {
  GroupProblem p;
  Resources one;
  one.dsp = 1;
  Resources two;
  two.dsp = 2;
  p.demand.assign(2, std::vector<Resources>(4, one));
  p.budget.assign(2, two);
  p.edges = {{0, 1, 10}, {1, 2, 1}, {2, 3, 10}};
  return p;
}

TEST(GroupMilp, NodeLimitShrinksWithTheBinaries) {
  EXPECT_EQ(node_limit(1, 1), 2000);
  EXPECT_EQ(node_limit(4, 2), 500);
  EXPECT_EQ(node_limit(29, 3), 45);
  // BERT-base's largest group (4 x V80): 2,000 nodes took 85 s of CPU for no latency.
  EXPECT_EQ(node_limit(289, 3), 20);
  EXPECT_EQ(node_limit(0, 0), 2000);
}

TEST(GroupMilp, FindsTheCheapestCutFromABadStart) {
  const GroupProblem p = chain();
  const std::vector<int> start{0, 1, 0, 1};
  EXPECT_EQ(cut_weight(p, start), 21);
  const std::vector<int> best = assign_group(p, start);
  EXPECT_EQ(cut_weight(p, best), 1);
  EXPECT_EQ(best[0], best[1]);
  EXPECT_EQ(best[2], best[3]);
  EXPECT_NE(best[1], best[2]);
}

TEST(GroupMilp, KeepsAnOptimalStart) {
  const std::vector<int> start{1, 1, 0, 0};
  EXPECT_EQ(assign_group(chain(), start), start);
}

}  // namespace
}  // namespace atl::map
