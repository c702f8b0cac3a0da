#include "map/grouping.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>

#include "core/error.h"

namespace atl::map {
namespace {

using graph::Grouping;
using graph::Sublayer;

// A stand-in for the plan's numbering: a cluster needs kernel 0 plus its sub-layers' kernels;
// more than 256 IDs does not fit.
ClusterIds counting(std::array<std::size_t, 8> kernels) {
  return [kernels](const Grouping& grouping) {
    std::size_t most = 0;
    for (std::size_t c = 0; c < grouping.size(); ++c) {
      std::size_t n = 1;
      for (Sublayer s : grouping[c]) n += kernels[static_cast<std::size_t>(s)];
      if (n > 256) {
        throw core::Error(core::ErrorKind::does_not_fit,
                          fmt::format("cluster {} needs {} kernel IDs", c, n));
      }
      most = std::max(most, n);
    }
    return most;
  };
}

TEST(Grouping, ConsecutiveGroupingsCoarsestFirst) {
  const std::vector<Grouping> all = consecutive_groupings();
  ASSERT_EQ(all.size(), 128u);
  EXPECT_EQ(all.front(), graph::single_cluster_grouping());
  for (const Grouping& g : all) EXPECT_NO_THROW(graph::validate(g, "grouping"));
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LE(all[i - 1].size(), all[i].size());
  // Two clusters: the first cut right after attention_0 comes first.
  EXPECT_EQ(all[1],
            (Grouping{{Sublayer::attention_0},
                      {Sublayer::attention_1, Sublayer::attention_2, Sublayer::attention_output_0,
                       Sublayer::attention_output_1, Sublayer::intermediate_0,
                       Sublayer::intermediate_output_0, Sublayer::intermediate_output_1}}));
  EXPECT_EQ(all.back().size(), 8u);
}

// The published I-BERT base shape: 3 + 12 + 12 + 1 + 1 + 1 + 1 + 1 compute kernels fit one
// cluster.
TEST(Grouping, OneClusterWhenItFits) {
  EXPECT_EQ(choose_grouping(counting({3, 12, 12, 1, 1, 1, 1, 1})),
            graph::single_cluster_grouping());
}

// 96 heads: 3 + 96 + 96 + ... = 1 + 200 in one cluster would fit; 128 heads (1 + 265) do not.
// Two clusters then, the cut that leaves the largest cluster smallest: the attention heads apart
// from the context heads.
TEST(Grouping, FinerWhenOneClusterOverflows) {
  EXPECT_EQ(choose_grouping(counting({3, 96, 96, 1, 1, 1, 1, 1})).size(), 1u);
  const Grouping g = choose_grouping(counting({3, 128, 128, 1, 1, 1, 1, 1}));
  EXPECT_EQ(g, (Grouping{{Sublayer::attention_0, Sublayer::attention_1},
                         {Sublayer::attention_2, Sublayer::attention_output_0,
                          Sublayer::attention_output_1, Sublayer::intermediate_0,
                          Sublayer::intermediate_output_0, Sublayer::intermediate_output_1}}));
}

TEST(Grouping, ClearErrorWhenNothingFits) {
  try {
    choose_grouping(counting({3, 300, 12, 1, 1, 1, 1, 1}));
    FAIL() << "a sub-layer of 300 kernels fitted";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::does_not_fit);
    EXPECT_STREQ(e.what(),
                 "no grouping of the eight sub-layers into Galapagos clusters fits the 8-bit "
                 "kernel IDs, not even one sub-layer per cluster: cluster 1 needs 301 kernel IDs");
  }
}

// Other errors of the numbering are not a matter of size: they go through.
TEST(Grouping, OtherErrorsGoThrough) {
  const ClusterIds unsupported = [](const Grouping&) -> std::size_t {
    throw core::Error(core::ErrorKind::unsupported, "q, k, v with different partitions");
  };
  EXPECT_THROW(choose_grouping(unsupported), core::Error);
}

}  // namespace
}  // namespace atl::map
