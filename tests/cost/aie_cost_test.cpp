#include "cost/aie_cost.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "hw/aie.h"

namespace atl::cost {
namespace {

// The VC1902 figures of data/devices/vck5000.yaml (each with its source there).
hw::Device vc1902() {
  hw::Device d;
  d.name = "vck5000";
  d.resources.dsp = 1968;
  d.resources.bram_bytes = 4455936;
  d.resources.uram_bytes = 17068032;
  d.dsp_kind = "dsp58";
  d.dsp_int8_macs_per_cycle = 3;
  d.aie_tiles = 400;
  d.aie_int8_macs_per_cycle = 128;
  d.aie_clock_mhz = 1250;
  d.aie_data_memory_bytes = 32768;
  d.aie_plio_in = 312;
  d.aie_plio_out = 234;
  d.aie_plio_bits = 64;
  d.aie_plio_mhz = 625;
  d.aie_usable_fraction = 0.9;
  d.aie_efficiency = 0.6;
  d.offchip_gbytes_per_s = 102.4;
  d.kernel_clock_mhz = 300;
  return d;
}

graph::Stage stage(graph::StageType type, std::int64_t m, std::int64_t k, int tiles) {
  graph::Stage s;
  s.type = type;
  s.m = m;
  s.k = k;
  s.knobs.aie = tiles;
  return s;
}

TEST(Aie, Capacity) {
  const hw::Resources c = hw::capacity(vc1902());
  EXPECT_EQ(c.aie_tiles, 360);  // floor(400 x 0.9)
  EXPECT_EQ(c.plio_in, 312);
  EXPECT_EQ(c.plio_out, 234);
  EXPECT_DOUBLE_EQ(hw::plio_bytes_per_s(vc1902()), 5e9);  // 8 B x 625 MHz
  EXPECT_DOUBLE_EQ(hw::aie_peak_macs_per_s(vc1902()), 64e12);
}

// BERT-base Q (768 x 768) on 64 tiles: 8 x 8 is the fastest rectangle with the fewest streams
// (9,216 MACs a tile: 120 AIE cycles at 76.8 MACs/cycle + 100 per window of 8 rows = 106 ns a
// row = 32 PL cycles at 300 MHz); 9,264 B of weights a tile stay in tile memory.
TEST(Aie, LinearInTileMemory) {
  const StageCost c =
      aie_stage_cost(stage(graph::StageType::linear, 768, 768, 64), 0, vc1902(), "q");
  EXPECT_EQ(c.cycles_per_token, 32);
  EXPECT_EQ(c.fill_cycles, 32);
  EXPECT_EQ(c.resources.aie_tiles, 64);
  EXPECT_EQ(c.resources.plio_in, 8);
  EXPECT_EQ(c.resources.plio_out, 8);
  EXPECT_EQ(c.resources.dsp, 0);
  EXPECT_EQ(c.resources.uram_bytes, 0);
  EXPECT_EQ(c.resources.lut, 500 + 100 * 16);
  EXPECT_EQ(c.resources.ff, 800 + 200 * 16);
  const AieMatmul a = aie_matmul(768, 768, 768 * 768 + 4 * 768, 4, 64, vc1902(), "q");
  EXPECT_EQ(a.rows, 8);
  EXPECT_EQ(a.cascade, 8);
  EXPECT_EQ(a.aie_cycles_per_row, 120);
  EXPECT_EQ(a.residency, WeightResidency::tile_memory);
}

// FFN1 (3,072 x 768) on 32 tiles: 74,112 B of weights a tile do not fit half of 32 KB, so URAM
// holds them and each tile's stream brings them once per 8-row window: 1,158 PLIO cycles a row
// (1.85 us, slower than the 960 AIE cycles of MACs) = 556 PL cycles.
TEST(Aie, LinearFedFromPlMemory) {
  const StageCost c =
      aie_stage_cost(stage(graph::StageType::linear, 3072, 768, 32), 0, vc1902(), "ffn1");
  EXPECT_EQ(c.cycles_per_token, 556);
  EXPECT_EQ(c.resources.uram_bytes, 3072 * 768 + 4 * 3072);
  const AieMatmul a = aie_matmul(3072, 768, 3072 * 768 + 4 * 3072, 4, 32, vc1902(), "ffn1");
  EXPECT_EQ(a.residency, WeightResidency::pl_memory);
  EXPECT_EQ(a.weight_plio_cycles, 1158);
  EXPECT_EQ(a.cascade, 4);  // 4 + 32 weight streams in, 8 out: the fewest at equal speed
  EXPECT_EQ(a.plio_in, 36);
  EXPECT_EQ(a.plio_out, 8);
}

// Beyond the PL's memory the weights stream from DDR: 102.4 GB/s for 8 rows at a time.
TEST(Aie, LinearStreamedFromDdr) {
  hw::Device d = vc1902();
  d.resources.uram_bytes = 0;
  d.resources.bram_bytes = 1 << 20;
  const AieMatmul a = aie_matmul(3072, 768, 3072 * 768 + 4 * 3072, 4, 32, d, "ffn1");
  EXPECT_EQ(a.residency, WeightResidency::ddr);
  EXPECT_DOUBLE_EQ(a.seconds_per_row, (3072.0 * 768 + 4 * 3072) / 8 / 102.4e9);
}

// Scores of one head at 128 tokens (128 padded keys x head_dim 64) on 4 tiles: 4 rows of 32 keys,
// 2,048 MACs a tile = 27 AIE cycles + 12.5 a row of window overhead = 31.6 ns = 10 PL cycles.
TEST(Aie, AttentionScores) {
  const StageCost c =
      aie_stage_cost(stage(graph::StageType::attention_matmul, 128, 64, 4), 0, vc1902(), "attn");
  EXPECT_EQ(c.cycles_per_token, 10);
  EXPECT_EQ(c.fill_cycles, 10);
  EXPECT_EQ(c.resources.bram_bytes, 0);  // the keys (8 KiB) live in the tiles
  EXPECT_EQ(c.resources.plio_out, 4);
}

TEST(Aie, Refusals) {
  hw::Device none = vc1902();
  none.name = "u55c";
  none.aie_tiles = 0;
  try {
    aie_stage_cost(stage(graph::StageType::linear, 768, 768, 8), 0, none, "l0.q");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::unsupported);
    EXPECT_STREQ(e.what(),
                 "kernel 'l0.q': stage 0 (linear) on AI Engines: board 'u55c' has no AI Engines "
                 "(catalogue resources.aie_tiles = 0)");
  }
  try {
    aie_stage_cost(stage(graph::StageType::linear, 768, 768, 361), 0, vc1902(), "l0.q");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::unsupported);
    EXPECT_STREQ(e.what(),
                 "kernel 'l0.q': stage 0 (linear) on AI Engines: 361 AI Engine tiles, but board "
                 "'vck5000' offers 360 (400 tiles x aie.usable_fraction 0.9)");
  }
  try {
    aie_stage_cost(stage(graph::StageType::gelu, 768, 0, 4), 1, vc1902(), "l0.ffn1");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::unsupported);
    EXPECT_STREQ(e.what(),
                 "kernel 'l0.ffn1': stage 1 (gelu) on AI Engines: only linear and attention "
                 "matmuls run on AI Engines");
  }
}

// Through kernel_cost: the knob decides the engine; the DSP cost of the same stage is untouched.
TEST(Aie, KernelCostDispatch) {
  graph::Kernel k;
  k.name = "l0.q";
  k.role = graph::Role{model::Architecture::ibert_encoder, 2};
  k.stages.push_back(stage(graph::StageType::linear, 768, 768, 64));
  EXPECT_EQ(kernel_cost(k, vc1902()).resources.aie_tiles, 64);
  k.stages[0].knobs = {2, 6, 1, 0};
  const KernelCost dsp = kernel_cost(k, vc1902());
  EXPECT_EQ(dsp.resources.aie_tiles, 0);
  EXPECT_EQ(dsp.cycles_per_token, 768);
}

}  // namespace
}  // namespace atl::cost
