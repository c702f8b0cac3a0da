#include "graph/knob_rules.h"

#include <gtest/gtest.h>

namespace atl::graph {
namespace {

TEST(KnobRules, TheSoftmaxRunsOneLane) {
  EXPECT_TRUE(knob_requirements({.type = StageType::softmax, .m = 128, .k = 0, .knobs = {1, 1, 3}})
                  .empty());
  EXPECT_TRUE(knobs_honoured({.type = StageType::softmax, .m = 128, .k = 0, .knobs = {1, 1, 3}}));
}

// The published knobs (Cluster Builder's config.json) on I-BERT base: all honoured.
TEST(KnobRules, PublishedLinearKnobsAreHonoured) {
  EXPECT_TRUE(knobs_honoured({.type = StageType::linear, .m = 768, .k = 768, .knobs = {2, 6, 1}}));
  EXPECT_TRUE(
      knobs_honoured({.type = StageType::linear, .m = 768, .k = 3072, .knobs = {4, 12, 1}}));
}

// What `atoll map` used to choose and `atoll build` refused: tile 6 on K = 128 (neither 384 nor
// 6 divides it), pe 24 on an FFN2 part of 256 rows.
TEST(KnobRules, LinearTileAndPeMustDivide) {
  EXPECT_FALSE(knobs_honoured({.type = StageType::linear, .m = 128, .k = 128, .knobs = {6, 1, 1}}));
  EXPECT_FALSE(
      knobs_honoured({.type = StageType::linear, .m = 256, .k = 3072, .knobs = {4, 24, 1}}));
  // tile 3 * 64 does not divide K = 384 * 2 ... but tile 3 itself does: allowed.
  EXPECT_TRUE(knobs_honoured({.type = StageType::linear, .m = 64, .k = 768, .knobs = {3, 1, 1}}));
  const auto r =
      knob_requirements({.type = StageType::linear, .m = 256, .k = 3072, .knobs = {5, 24, 1}});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[2].knob, "tile");
  EXPECT_TRUE(r[2].of_k);
}

TEST(KnobRules, ElementWiseUnrollDividesChannels) {
  EXPECT_TRUE(knobs_honoured({.type = StageType::gelu, .m = 3072, .k = 0, .knobs = {1, 1, 4}}));
  EXPECT_FALSE(
      knobs_honoured({.type = StageType::layernorm, .m = 100, .k = 0, .knobs = {1, 1, 8}}));
  EXPECT_FALSE(
      knobs_honoured({.type = StageType::attention_matmul, .m = 128, .k = 64, .knobs = {1, 6, 1}}));
}

}  // namespace
}  // namespace atl::graph
