// The shipped example plan (made by `atoll map --placement`) is valid and placed as published.
// (That two mapper runs give equal results is tests/map's; plan/ does not link the mapper.)
#include <gtest/gtest.h>

#include <filesystem>

#include "graph/arch_ibert.h"
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
    switch (kernel.role.index) {
      case graph::ibert::source.index:
      case graph::ibert::q.index:
      case graph::ibert::k.index:
      case graph::ibert::v.index:
        expected = 0;
        break;
      case graph::ibert::attention.index:
      case graph::ibert::context.index:
        expected = 1;
        break;
      case graph::ibert::out_proj.index:
      case graph::ibert::ln_attn.index:
        expected = 2;
        break;
      case graph::ibert::ffn1.index:
        expected = 3;
        break;
      case graph::ibert::ffn2.index:
        expected = 4;
        break;
      case graph::ibert::ln_ffn.index:
      case graph::ibert::sink.index:
        expected = 5;
        break;
    }
    EXPECT_EQ(p.node_of_kernel[k], expected) << kernel.name;
  }
}

}  // namespace
}  // namespace atl::plan
