#include "sim/decode.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "cost/decode_step.h"
#include "graph/architecture.h"
#include "graph/decoder_blocks.h"
#include "sim/decode_json.h"
#include "tiny_plans.h"

namespace atl::sim {
namespace {

// stories260K (5 layers, context 512) on two test boards (100 MHz, 100 W, 1 GB/s off chip):
// layers 0-2 on the first, the rest on the second; q, k and v keep their weights off chip.
plan::Plan stories_plan() {
  const model::ModelConfig config = model::load_model_config(
      std::filesystem::path(ATOLL_SOURCE_DIR) / "examples/models/stories260K.yaml",
      model::Accept::any);
  plan::Plan p;
  p.graph = graph::build_graph(config);
  hw::Device d = testing::board();
  d.offchip_bytes = 1'000'000'000;
  d.offchip_gbytes_per_s = 1;
  p.cluster.name = "two";
  p.cluster.nodes = {{"a", d}, {"b", d}};
  p.memory.resize(p.graph.kernels.size());
  for (const graph::Kernel& k : p.graph.kernels) {
    const bool last_stage = k.layer >= 3 || (k.layer < 0 && !graph::is_source(k.role) &&
                                             k.role.index != graph::decoder::embed);
    p.node_of_kernel.push_back(last_stage ? 1 : 0);
    const std::string role = graph::to_string(k.role);
    if (role == "q" || role == "k" || role == "v") {
      p.memory[p.node_of_kernel.size() - 1].weights = cost::Memory::off_chip;
    }
  }
  p.estimate.nodes.resize(2);
  p.tensor_parallel = p.pipeline_stages = 1;
  return p;
}

TEST(SimulateDecoder, PrefillThenOneStepPerToken) {
  const plan::Plan p = stories_plan();
  const DecodeResult r = simulate_decoder(p, {16, 5, false});
  EXPECT_EQ(r.boards, 2);
  EXPECT_DOUBLE_EQ(r.board_power_w, 200);
  ASSERT_EQ(r.token_ms.size(), 4u);
  EXPECT_EQ(r.positions, (std::vector<std::int64_t>{16, 17, 18, 19}));
  // Each pass is cost::time_pass on the plan's model.
  const cost::DecodeModel m = cost::decode_model(p.graph, p.cluster, p.node_of_kernel, p.memory);
  EXPECT_DOUBLE_EQ(r.ttft_ms, cost::time_pass(p.graph, m, {0, 16, 1}).seconds * 1e3);
  EXPECT_DOUBLE_EQ(r.token_ms[2], cost::time_pass(p.graph, m, {18, 1, 1}).seconds * 1e3);
  double sum = 0;
  for (double ms : r.token_ms) sum += ms;
  EXPECT_DOUBLE_EQ(r.total_ms, r.ttft_ms + sum);
  EXPECT_DOUBLE_EQ(r.mean_token_ms, sum / 4);
  EXPECT_DOUBLE_EQ(r.tokens_per_s, 4 / (sum / 1e3));
  EXPECT_DOUBLE_EQ(r.energy_per_token_j, 200 * sum / 4 / 1e3);
  EXPECT_GT(r.weight_bytes_off_chip, 0);
  EXPECT_EQ(r.kv_bytes_off_chip, 0);
  // The path runs from the source to the sink through both boards.
  ASSERT_FALSE(r.critical_path.empty());
  EXPECT_EQ(r.critical_path.front().name, "source");
  EXPECT_EQ(r.critical_path.back().name, "sink");
  EXPECT_EQ(r.critical_path_position, 19);
  const nlohmann::json j = to_json(r);
  EXPECT_EQ(j["decode_steps"].size(), 4u);
  EXPECT_EQ(j["decode_steps"][3]["position"], 19);
}

TEST(SimulateDecoder, OffChipKvCacheGrowsTheStepWithThePosition) {
  plan::Plan p = stories_plan();
  for (std::size_t k = 0; k < p.graph.kernels.size(); ++k) {
    if (graph::to_string(p.graph.kernels[k].role) == "attention")
      p.memory[k].kv = cost::Memory::off_chip;
  }
  const DecodeResult r = simulate_decoder(p, {1, 512, false});
  ASSERT_EQ(r.token_ms.size(), 511u);
  EXPECT_LT(r.token_ms.front(), r.token_ms.back());
  for (std::size_t i = 1; i < r.token_ms.size(); ++i) EXPECT_LE(r.token_ms[i - 1], r.token_ms[i]);
}

TEST(SimulateDecoder, RefusesWhatCannotRun) {
  const plan::Plan p = stories_plan();
  auto message = [&](DecodeOptions o) -> std::string {
    try {
      simulate_decoder(p, o);
    } catch (const core::Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(message({513, 1, false}),
            "--prompt 513: model 'stories260K' has a context of 512 tokens (1..512)");
  EXPECT_EQ(message({16, 0, false}), "--new-tokens 0: at least 1 token must be generated");
  EXPECT_EQ(
      message({500, 14, false}),
      "--prompt 500 --new-tokens 14: the last decode step would be at position 512, past "
      "model 'stories260K''s context of 512 tokens (at most 13 new tokens after this prompt)");
  plan::Plan small = p;
  small.cluster.nodes[1].device.offchip_bytes = 10;
  small.memory.back() = {};
  for (std::size_t k = 0; k < small.memory.size(); ++k) {
    if (small.node_of_kernel[k] == 1 && graph::to_string(small.graph.kernels[k].role) == "q") {
      small.memory[k].weights = cost::Memory::off_chip;
    }
  }
  try {
    simulate_decoder(small, {16, 2, false});
    FAIL() << "expected does_not_fit";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::does_not_fit);
    EXPECT_NE(std::string(e.what()).find("node 'b' (test-board): weights"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace atl::sim
