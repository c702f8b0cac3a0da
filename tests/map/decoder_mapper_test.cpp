#include "map/decoder_mapper.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "cost/decode_fit.h"
#include "cost/decode_step.h"
#include "graph/decoder_blocks.h"

namespace atl::map {
namespace {

const std::filesystem::path kRoot = ATOLL_SOURCE_DIR;

model::ModelConfig stories() {
  return model::load_model_config(kRoot / "examples/models/stories260K.yaml", model::Accept::any);
}

hw::Cluster sidewinders(int count) {
  static const hw::Catalogue catalogue = hw::load_catalogue(hw::default_catalogue_dir());
  hw::Cluster c = hw::load_cluster(kRoot / "examples/clusters/sidewinder-6.yaml", catalogue);
  c.nodes.resize(count, c.nodes[0]);
  for (int i = 0; i < count; ++i) c.nodes[i].name = "fpga" + std::to_string(i);
  return c;
}

// Every node within the caps, the plan's figures those of the timing it was chosen by.
void expect_consistent(const DecoderMapping& m, const hw::Cluster& cluster, const Caps& caps) {
  const cost::DecodeModel model = cost::decode_model(m.graph, cluster, m.node_of_kernel, m.memory);
  for (const cost::NodeUse& u : cost::node_use(model, cluster.nodes.size())) {
    const Resources b = budget(cluster.nodes[0].device, caps);
    EXPECT_LE(u.on_chip.dsp, b.dsp);
    EXPECT_LE(u.on_chip.lut, b.lut);
    EXPECT_LE(u.on_chip.uram_bytes + u.on_chip.bram_bytes, b.uram_bytes + b.bram_bytes);
  }
  const std::int64_t half = m.graph.seq_len / 2;
  EXPECT_DOUBLE_EQ(m.decode_ms, cost::time_pass(m.graph, model, {half, 1, 1}).seconds * 1e3);
  EXPECT_DOUBLE_EQ(m.estimate.latency_us, m.decode_ms * 1e3);
  ASSERT_EQ(m.estimate.nodes.size(), cluster.nodes.size());
}

TEST(MapDecoder, ChoosesTensorParallelismAndStagesWithinTheCaps) {
  const hw::Cluster cluster = sidewinders(6);
  const DecoderMapping m = map_decoder(stories(), cluster, {});
  // Every (t, s) fits (a board has one engine per role, its layers take turns on it); the fastest
  // is two stages at tile 2 (what the DSPs the element-wise engines and attention leave allow),
  // one attention kernel of all 8 heads per layer.
  EXPECT_EQ(m.tensor_parallel, 1);
  EXPECT_EQ(m.pipeline_stages, 2);
  EXPECT_EQ(m.tile, 2);
  EXPECT_EQ(m.candidates, 8);
  for (const graph::Kernel& k : m.graph.kernels) {
    if (k.role.index == graph::decoder::attention) {
      EXPECT_EQ(k.stages[0].knobs.tile, 8);
    }
  }
  expect_consistent(m, cluster, {});
  // stories260K's 0.3 MiB of weights fit on chip.
  for (const cost::KernelMemory& km : m.memory) EXPECT_EQ(km, cost::KernelMemory{});
  // Every candidate was timed for every objective: the latency choice is no slower per token than
  // the throughput one at batch 1, the ttft one no slower to the first token.
  const DecoderMapping ttft = map_decoder(stories(), cluster, {DecoderObjective::ttft, 1, 64});
  EXPECT_LE(m.decode_ms, ttft.decode_ms);
  EXPECT_LE(ttft.ttft_ms, m.ttft_ms);
}

TEST(MapDecoder, MovesWeightsAndThenKvCacheOffChipWhenTheyDoNotFit) {
  hw::Cluster cluster = sidewinders(6);
  for (hw::Node& n : cluster.nodes) {
    n.device.resources.uram_bytes = 0;
    n.device.resources.bram_bytes = 100'000;  // 80 kB within the caps
  }
  const DecoderMapping m = map_decoder(stories(), cluster, {});
  int weights_off = 0, kv_off = 0;
  for (const cost::KernelMemory& km : m.memory) {
    weights_off += km.weights == cost::Memory::off_chip;
    kv_off += km.kv == cost::Memory::off_chip;
  }
  // Per board, every weight block moves off chip and then every layer's cache (one attention
  // kernel a layer).
  EXPECT_EQ(weights_off, 32);
  EXPECT_EQ(kv_off, 5);
  expect_consistent(m, cluster, {});
}

TEST(MapDecoder, SaysWhatRunsOutWhenNothingFits) {
  hw::Cluster cluster = sidewinders(1);
  cluster.nodes[0].device.resources.dsp = 10;
  try {
    map_decoder(stories(), cluster, {});
    FAIL() << "expected does_not_fit";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::does_not_fit);
    EXPECT_NE(std::string(e.what()).find("does not fit on cluster 'sidewinder-6' (1 nodes)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(map_decoder(stories(), sidewinders(1), {DecoderObjective::ttft, 1, 513}),
               core::Error);  // a prompt longer than the context of 512
}

TEST(MapDecoder, ObjectiveNames) {
  EXPECT_EQ(parse_decoder_objective("ttft"), DecoderObjective::ttft);
  EXPECT_STREQ(to_string(DecoderObjective::throughput), "throughput");
  EXPECT_THROW(parse_decoder_objective("energy"), core::Error);
}

}  // namespace
}  // namespace atl::map
