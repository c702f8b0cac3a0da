// Plans from the mapper: byte-identical across runs, and the shipped example plan is valid.
#include <gtest/gtest.h>

#include <filesystem>

#include "map/mapper.h"
#include "plan/json.h"
#include "plan/plan.h"

namespace atl::plan {
namespace {

const std::filesystem::path kRoot = ATOLL_SOURCE_DIR;

Plan automatic_plan(const model::ModelConfig& config, const hw::Cluster& cluster) {
  map::Mapping m = map::map_automatic(config, cluster, map::Objective::latency);
  Plan p;
  p.model_config = "ibert-base-1layer.yaml";
  p.graph = std::move(m.graph);
  p.cluster = cluster;
  p.node_of_kernel = std::move(m.node_of_kernel);
  p.kernel_id = assign_kernel_ids(p.graph, true);
  p.estimate = m.estimate;
  return p;
}

TEST(MappedPlan, TwoMapperRunsGiveByteIdenticalJson) {
  const auto config = model::load_model_config(kRoot / "examples/models/ibert-base-1layer.yaml");
  const auto catalogue = hw::load_catalogue(hw::default_catalogue_dir());
  const auto cluster = hw::load_cluster(kRoot / "examples/clusters/sidewinder-6.yaml", catalogue);
  const std::string first = plan_text(automatic_plan(config, cluster));
  const std::string second = plan_text(automatic_plan(config, cluster));
  EXPECT_EQ(first, second);
  EXPECT_GT(first.size(), 10000u);  // a whole plan, not an empty shell
}

TEST(MappedPlan, ShippedSixFpgaPlanLoads) {
  const Plan p = load_plan(kRoot / "examples/plans/ibert-encoder-6fpga.json");
  EXPECT_EQ(p.objective, "manual");
  EXPECT_EQ(p.cluster.nodes.size(), 6u);
  EXPECT_TRUE(p.galapagos_compatible_ids);
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
