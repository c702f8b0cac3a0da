// The shipped example plan (made by `atoll map --placement`) is valid and placed as published.
// (That two mapper runs give equal results is tests/map's; plan/ does not link the mapper.)
#include <gtest/gtest.h>

#include <filesystem>

#include "plan/json.h"
#include "plan/plan.h"

namespace atl::plan {
namespace {

const std::filesystem::path kRoot = ATOLL_SOURCE_DIR;

TEST(MappedPlan, ShippedSixFpgaPlanLoads) {
  const Plan p = load_plan(kRoot / "examples/plans/ibert-encoder-6fpga.json");
  EXPECT_EQ(p.objective, Objective::manual);
  EXPECT_EQ(p.cluster.nodes.size(), 6u);
  // QKV | heads | out-proj + LN1 | FFN1 | FFN2 | LN2 (reference-system.md §2.5).
  for (std::size_t k = 0; k < p.graph.kernels.size(); ++k) {
    const graph::Kernel& kernel = p.graph.kernels[k];
    int expected = -1;
    switch (kernel.role) {
      case graph::Role::source:
      case graph::Role::q:
      case graph::Role::k:
      case graph::Role::v:
        expected = 0;
        break;
      case graph::Role::attention:
      case graph::Role::context:
        expected = 1;
        break;
      case graph::Role::out_proj:
      case graph::Role::ln_attn:
        expected = 2;
        break;
      case graph::Role::ffn1:
        expected = 3;
        break;
      case graph::Role::ffn2:
        expected = 4;
        break;
      case graph::Role::ln_ffn:
      case graph::Role::sink:
        expected = 5;
        break;
    }
    EXPECT_EQ(p.node_of_kernel[k], expected) << kernel.name;
  }
}

}  // namespace
}  // namespace atl::plan
