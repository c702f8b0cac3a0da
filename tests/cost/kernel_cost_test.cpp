#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "core/error.h"
#include "cost/cost.h"
#include "graph/encoder.h"

namespace atl::cost {
namespace {

// The ZU19EG figures the formulas use (the shipped catalogue's sidewinder-100 carries the same).
hw::Device zu19eg() {
  hw::Device d;
  d.name = "sidewinder-100";
  d.dsp = 1968;
  d.dsp_kind = "dsp48e2";
  d.dsp_int8_macs_per_cycle = 2;
  d.bram_bytes = 984 * 4608;
  d.uram_bytes = 128 * 36864;
  return d;
}

class Published : public ::testing::Test {
 protected:
  Published() {
    model::ModelConfig c;
    c.layers = 1;
    graph_ = graph::build_encoder_graph(c);
  }
  KernelCost cost(const std::string& name, const hw::Device& d = zu19eg()) const {
    for (const graph::Kernel& k : graph_.kernels) {
      if (k.name == name) return kernel_cost(k, d);
    }
    throw core::Error("no kernel " + name);
  }
  graph::Graph graph_;
};

// reference-system.md §3.2: Q/K/V 768 cycles/token with 384 DSPs, out-proj 192, FFN 768 / 1536.
TEST_F(Published, LinearKernels) {
  const KernelCost q = cost("l0.q");
  ASSERT_EQ(q.stages.size(), 2u);
  EXPECT_EQ(q.stages[0].cycles_per_token, 768);
  EXPECT_EQ(q.stages[0].dsp, 384);
  EXPECT_EQ(q.stages[1].cycles_per_token, 192);  // quant_act: 768 channels / unroll 4
  EXPECT_EQ(q.stages[1].dsp, 16);                // 4 lanes x a 32x32 product of 4 DSPs
  EXPECT_EQ(q.cycles_per_token, 768);
  EXPECT_EQ(q.dsp, 400);
  EXPECT_EQ(q.weight_bytes, 768 * 768 + 768 * 4);
  EXPECT_EQ(q.uram_bytes, 768 * 768 + 768 * 4);
  EXPECT_EQ(q.bram_bytes, 768 + 768 * 5);  // input row + per-channel m, e
  EXPECT_EQ(q.fill_cycles, (10 + 6) + 8);
  EXPECT_FALSE(q.waits_for_port1_sequence);

  EXPECT_EQ(cost("l0.out_proj").stages[0].cycles_per_token, 192);
  EXPECT_EQ(cost("l0.out_proj").stages[0].dsp, 1536);
  EXPECT_EQ(cost("l0.out_proj").cycles_per_token, 192);

  const KernelCost ffn1 = cost("l0.ffn1");
  EXPECT_EQ(ffn1.stages[0].cycles_per_token, 768);
  EXPECT_EQ(ffn1.stages[0].dsp, 1536);
  EXPECT_EQ(ffn1.stages[1].cycles_per_token, 768);  // GELU: 3072 / unroll 4
  EXPECT_EQ(ffn1.dsp, 1536 + 32 + 16);
  EXPECT_EQ(ffn1.uram_bytes, 3072 * 768 + 3072 * 4);
  const KernelCost ffn2 = cost("l0.ffn2");
  EXPECT_EQ(ffn2.stages[0].cycles_per_token, 768);
  EXPECT_EQ(ffn2.stages[0].dsp, 1536);
}

// Per head: Q.K^T and P.V 64 cycles per row (8,192 per 128-token head), softmax 64 per row.
TEST_F(Published, HeadKernels) {
  const KernelCost attn = cost("l0.h5.attention");
  EXPECT_EQ(attn.stages[0].cycles_per_token, 64);
  EXPECT_EQ(attn.stages[0].dsp, 64);
  EXPECT_EQ(attn.stages[1].cycles_per_token, 64);
  EXPECT_EQ(attn.cycles_per_token, 64);
  EXPECT_EQ(sequence_cycles(attn, 128) - attn.fill_cycles, 8192);
  EXPECT_EQ(attn.bram_bytes, 128 * 64 + 2 * 128 * 4);  // K buffer + scores
  EXPECT_TRUE(attn.waits_for_port1_sequence);
  const KernelCost ctx = cost("l0.h5.context");
  EXPECT_EQ(ctx.stages[0].cycles_per_token, 64);
  EXPECT_EQ(ctx.stages[0].dsp, 64);
  EXPECT_EQ(ctx.stages[1].cycles_per_token, 16);
  EXPECT_EQ(ctx.dsp, 80);
  EXPECT_TRUE(ctx.waits_for_port1_sequence);
}

TEST_F(Published, LayerNormKernels) {
  const KernelCost ln1 = cost("l0.ln_attn");
  EXPECT_EQ(ln1.stages[0].cycles_per_token, 48);  // residual 768 / 16
  EXPECT_EQ(ln1.stages[1].cycles_per_token, 48);  // layernorm unroll 16
  EXPECT_EQ(ln1.cycles_per_token, 192);           // its quant_act, unroll 4
  EXPECT_EQ(ln1.dsp, 64 + 128 + 16);
  // identity rows for a whole sequence + constants, LayerNorm row buffers + bias, act constants
  EXPECT_EQ(ln1.bram_bytes, (128 * 768 + 768 * 5) + (3 * 768 * 4) + 768 * 5);
  EXPECT_EQ(cost("l0.ln_ffn").stages[1].cycles_per_token, 192);  // layernorm unroll 4
}

// The pipeline bottleneck of the published config is 768 cycles per token.
TEST_F(Published, Bottleneck) {
  std::int64_t worst = 0, dsp = 0;
  for (const graph::Kernel& k : graph_.kernels) {
    const KernelCost c = kernel_cost(k, zu19eg());
    worst = std::max(worst, c.cycles_per_token);
    dsp += c.dsp;
  }
  EXPECT_EQ(worst, 768);
  // 3 x 400 (QKV) + 12 x (80 + 80) (heads) + 1552 + 208 + 1584 + 1552 + 112 (ln_ffn: unroll 4)
  EXPECT_EQ(dsp, 1200 + 1920 + 1552 + 208 + 1584 + 1552 + 112);
}

TEST_F(Published, VersalPacksThreeMacsPerDsp58) {
  hw::Device d = zu19eg();
  d.dsp_kind = "dsp58";
  d.dsp_int8_macs_per_cycle = 3;
  EXPECT_EQ(cost("l0.q", d).stages[0].dsp, 256);      // 768 MACs / 3
  EXPECT_EQ(cost("l0.ffn1", d).stages[0].dsp, 1024);  // 3072 MACs / 3
  EXPECT_EQ(cost("l0.q", d).stages[0].cycles_per_token, 768);
}

TEST_F(Published, WeightsOverflowUramIntoBram) {
  hw::Device d = zu19eg();
  d.uram_bytes = 1 << 20;  // 1 MiB: the 2.3 MB FFN1 weights no longer fit
  const KernelCost ffn1 = cost("l0.ffn1", d);
  EXPECT_EQ(ffn1.uram_bytes, 0);
  EXPECT_EQ(ffn1.bram_bytes, 3072 * 768 + 3072 * 4 + 768 + 3072 * 9 + 3072 * 5);
  EXPECT_EQ(cost("l0.q", d).uram_bytes, 768 * 768 + 768 * 4);
}

TEST(KernelCost, KnobsChangeCycles) {
  model::ModelConfig c;
  c.layers = 1;
  graph::SublayerKnobs knobs;
  knobs.ffn2.partition = 2;
  knobs.ffn2.stages[0] = {2, 12, 1};
  knobs.attention.stages[0].pe = 4;
  const graph::Graph g = graph::build_encoder_graph(c, knobs);
  std::map<std::string, KernelCost> by_name;
  for (const graph::Kernel& k : g.kernels) by_name[k.name] = kernel_cost(k, zu19eg());
  // each half: 384 rows / tile 2 x 3072 / (12 x 64)
  EXPECT_EQ(by_name["l0.ffn2.p1"].stages[0].cycles_per_token, 192 * 4);
  EXPECT_EQ(by_name["l0.ffn2.p1"].stages[0].dsp, 768);
  EXPECT_EQ(by_name["l0.h0.attention"].stages[0].cycles_per_token, 32);
  EXPECT_EQ(by_name["l0.h0.attention"].stages[0].dsp, 128);
  EXPECT_EQ(by_name["source"].dsp, 0);
}

TEST(KernelCost, KeyColumnsPadToSixteen) {
  model::ModelConfig c;
  c.layers = 1;
  c.seq_len = 100;  // padded to 112 key columns
  const graph::Graph g = graph::build_encoder_graph(c);
  for (const graph::Kernel& k : g.kernels) {
    if (k.name == "l0.h0.attention") {
      EXPECT_EQ(kernel_cost(k, zu19eg()).stages[0].cycles_per_token, 56);
    }
    if (k.name == "l0.h0.context") {
      EXPECT_EQ(kernel_cost(k, zu19eg()).stages[0].cycles_per_token, 50);
    }
  }
}

TEST(KernelCost, RejectsBadKnobs) {
  graph::Kernel k;
  k.name = "bad";
  k.role = graph::Role::ffn1;
  k.stages = {{graph::StageType::linear, 768, 768, {0, 12, 1}}};
  try {
    kernel_cost(k, zu19eg());
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_STREQ(e.what(), "kernel 'bad': stage linear: tile/pe/unroll and m must be >= 1");
  }
}

}  // namespace
}  // namespace atl::cost

namespace atl::cost {
namespace {

// The shipped catalogue's boards give the published numbers (ZU19EG) and the DSP58 packing.
TEST(KernelCost, ShippedCatalogue) {
  const hw::Catalogue cat =
      hw::load_catalogue(std::filesystem::path(ATOLL_SOURCE_DIR) / "data/devices");
  model::ModelConfig c;
  c.layers = 1;
  const graph::Graph g = graph::build_encoder_graph(c);
  const graph::Kernel& q = g.kernels[1];
  ASSERT_EQ(q.name, "l0.q");
  EXPECT_EQ(kernel_cost(q, cat.at("sidewinder-100")).stages[0].dsp, 384);
  EXPECT_EQ(kernel_cost(q, cat.at("sidewinder-100")).uram_bytes, 768 * 768 + 768 * 4);
  EXPECT_EQ(kernel_cost(q, cat.at("vck190")).stages[0].dsp, 256);
}

}  // namespace
}  // namespace atl::cost
