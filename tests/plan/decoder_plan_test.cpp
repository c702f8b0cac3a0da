#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "graph/architecture.h"
#include "plan/json.h"
#include "plan/make_plan.h"
#include "plan/plan.h"

namespace atl::plan {
namespace {

// stories260K on one board with q of layer 0 off chip and the mapper's choices recorded.
Plan decoder_plan() {
  const model::ModelConfig config = model::load_model_config(
      std::filesystem::path(ATOLL_SOURCE_DIR) / "examples/models/stories260K.yaml",
      model::Accept::any);
  graph::Graph g = graph::build_graph(config);
  hw::Cluster c;
  c.name = "one";
  c.nodes = {{"n0", hw::load_catalogue(hw::default_catalogue_dir()).at("sidewinder-100")}};
  const std::size_t n = g.kernels.size();
  cost::Estimate e;
  e.nodes.resize(1);
  Plan p =
      make_plan("stories260K.yaml", std::move(g), c, std::vector<int>(n, 0), e, Objective::ttft);
  p.memory.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    if (p.graph.kernels[k].name == "l0.q") p.memory[k].weights = cost::Memory::off_chip;
    if (p.graph.kernels[k].name == "l0.h1.attention") p.memory[k].kv = cost::Memory::off_chip;
  }
  p.tensor_parallel = 1;
  p.pipeline_stages = 1;
  p.batch = 4;
  return p;
}

TEST(DecoderPlan, MemoryPlacementRoundTrips) {
  const Plan p = decoder_plan();
  const nlohmann::json j = to_json(p);
  ASSERT_EQ(j["decoder"]["off_chip"].size(), 2u);  // only the kernels with something off chip
  EXPECT_EQ(j["decoder"]["off_chip"][0]["kernel"], "l0.q");
  EXPECT_EQ(j["decoder"]["off_chip"][0]["weights"], "off_chip");
  EXPECT_EQ(j["objective"], "ttft");
  EXPECT_EQ(plan_from_json(j, "p"), p);
}

TEST(DecoderPlan, OlderPlansKeepEverythingOnChip) {
  nlohmann::json j = to_json(decoder_plan());
  j.erase("decoder");
  const Plan p = plan_from_json(j, "p");
  EXPECT_TRUE(p.memory.empty());
  EXPECT_EQ(p.tensor_parallel, 0);
  EXPECT_EQ(p.batch, 1);
}

TEST(DecoderPlan, BadFieldsNameTheirPath) {
  auto error = [](const std::function<void(nlohmann::json&)>& edit) -> std::string {
    nlohmann::json j = to_json(decoder_plan());
    edit(j);
    try {
      plan_from_json(j, "p");
    } catch (const core::Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(error([](auto& j) { j["decoder"]["off_chip"][0]["weights"] = "hbm"; }),
            "p.decoder.off_chip[0].weights: 'hbm' is not on_chip or off_chip");
  EXPECT_EQ(error([](auto& j) { j["decoder"]["off_chip"][0]["kernel"] = "l9.q"; }),
            "p.decoder.off_chip[0].kernel: no kernel 'l9.q'");
  EXPECT_EQ(error([](auto& j) { j["decoder"]["batch"] = 0; }),
            "p.decoder.batch: expected an integer in [1, 1073741824], got 0");
  EXPECT_EQ(error([](auto& j) { j["decoder"]["off_chip"][1]["weights"] = "off_chip"; }),
            "p: memory of kernel 'l0.h1.attention': off_chip weights but the kernel has none");
}

}  // namespace
}  // namespace atl::plan
