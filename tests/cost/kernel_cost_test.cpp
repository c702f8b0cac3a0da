#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include "core/error.h"
#include "cost/cost.h"
#include "graph/arch_ibert.h"

namespace atl::cost {
namespace {

namespace ibert = graph::ibert;

// The ZU19EG figures the formulas use (the shipped catalogue's sidewinder-100 carries the same).
hw::Device zu19eg() {
  hw::Device d;
  d.name = "sidewinder-100";
  d.resources.dsp = 1968;
  d.dsp_kind = "dsp48e2";
  d.dsp_int8_macs_per_cycle = 2;
  d.resources.bram_bytes = 984 * 4608;
  d.resources.uram_bytes = 128 * 36864;
  return d;
}

class Published : public ::testing::Test {
 protected:
  Published() {
    model::ModelConfig c;
    c.layers = 1;
    graph_ = graph::build_graph(c);
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
  EXPECT_EQ(q.stages[0].resources.dsp, 384);
  EXPECT_EQ(q.stages[1].cycles_per_token, 192);  // quant_act: 768 channels / unroll 4
  EXPECT_EQ(q.stages[1].resources.dsp, 16);      // 4 lanes x a 32x32 product of 4 DSPs
  EXPECT_EQ(q.cycles_per_token, 768);
  EXPECT_EQ(q.resources.dsp, 400);
  EXPECT_EQ(q.weight_bytes, 768 * 768 + 768 * 4);
  EXPECT_EQ(q.resources.uram_bytes, 768 * 768 + 768 * 4);
  EXPECT_EQ(q.resources.bram_bytes, 768 + 768 * 5);  // input row + per-channel m, e
  EXPECT_EQ(q.fill_cycles, (10 + 6) + 8);
  EXPECT_FALSE(q.waits_for_port1_sequence);

  EXPECT_EQ(cost("l0.out_proj").stages[0].cycles_per_token, 192);
  EXPECT_EQ(cost("l0.out_proj").stages[0].resources.dsp, 1536);
  EXPECT_EQ(cost("l0.out_proj").cycles_per_token, 192);

  const KernelCost ffn1 = cost("l0.ffn1");
  EXPECT_EQ(ffn1.stages[0].cycles_per_token, 768);
  EXPECT_EQ(ffn1.stages[0].resources.dsp, 1536);
  EXPECT_EQ(ffn1.stages[1].cycles_per_token, 768);  // GELU: 3072 / unroll 4
  EXPECT_EQ(ffn1.resources.dsp, 1536 + 32 + 16);
  EXPECT_EQ(ffn1.resources.uram_bytes, 3072 * 768 + 3072 * 4);
  const KernelCost ffn2 = cost("l0.ffn2");
  EXPECT_EQ(ffn2.stages[0].cycles_per_token, 768);
  EXPECT_EQ(ffn2.stages[0].resources.dsp, 1536);
}

// Per head: Q.K^T and P.V 64 cycles per row (8,192 per 128-token head), softmax 64 per row.
TEST_F(Published, HeadKernels) {
  const KernelCost attn = cost("l0.h5.attention");
  EXPECT_EQ(attn.stages[0].cycles_per_token, 64);
  EXPECT_EQ(attn.stages[0].resources.dsp, 64);
  EXPECT_EQ(attn.stages[1].cycles_per_token, 64);
  EXPECT_EQ(attn.cycles_per_token, 64);
  EXPECT_EQ(sequence_cycles(attn, 128) - attn.fill_cycles, 8192);
  EXPECT_EQ(attn.resources.bram_bytes, 128 * 64 + 2 * 128 * 4);  // K buffer + scores
  EXPECT_TRUE(attn.waits_for_port1_sequence);
  const KernelCost ctx = cost("l0.h5.context");
  EXPECT_EQ(ctx.stages[0].cycles_per_token, 64);
  EXPECT_EQ(ctx.stages[0].resources.dsp, 64);
  EXPECT_EQ(ctx.stages[1].cycles_per_token, 16);
  EXPECT_EQ(ctx.resources.dsp, 80);
  EXPECT_TRUE(ctx.waits_for_port1_sequence);
}

TEST_F(Published, LayerNormKernels) {
  const KernelCost ln1 = cost("l0.ln_attn");
  EXPECT_EQ(ln1.stages[0].cycles_per_token, 48);  // residual 768 / 16
  EXPECT_EQ(ln1.stages[1].cycles_per_token, 48);  // layernorm unroll 16
  EXPECT_EQ(ln1.cycles_per_token, 192);           // its quant_act, unroll 4
  EXPECT_EQ(ln1.resources.dsp, 64 + 128 + 16);
  // identity rows for a whole sequence + constants, LayerNorm row buffers + bias, act constants
  EXPECT_EQ(ln1.resources.bram_bytes, (128 * 768 + 768 * 5) + (3 * 768 * 4) + 768 * 5);
  EXPECT_EQ(cost("l0.ln_ffn").stages[1].cycles_per_token, 192);  // layernorm unroll 4
}

// The pipeline bottleneck of the published config is 768 cycles per token.
TEST_F(Published, Bottleneck) {
  std::int64_t worst = 0, dsp = 0;
  for (const graph::Kernel& k : graph_.kernels) {
    const KernelCost c = kernel_cost(k, zu19eg());
    worst = std::max(worst, c.cycles_per_token);
    dsp += c.resources.dsp;
  }
  EXPECT_EQ(worst, 768);
  // 3 x 400 (QKV) + 12 x (80 + 80) (heads) + 1552 + 208 + 1584 + 1552 + 112 (ln_ffn: unroll 4)
  EXPECT_EQ(dsp, 1200 + 1920 + 1552 + 208 + 1584 + 1552 + 112);
}

TEST_F(Published, VersalPacksThreeMacsPerDsp58) {
  hw::Device d = zu19eg();
  d.dsp_kind = "dsp58";
  d.dsp_int8_macs_per_cycle = 3;
  EXPECT_EQ(cost("l0.q", d).stages[0].resources.dsp, 256);      // 768 MACs / 3
  EXPECT_EQ(cost("l0.ffn1", d).stages[0].resources.dsp, 1024);  // 3072 MACs / 3
  EXPECT_EQ(cost("l0.q", d).stages[0].cycles_per_token, 768);
}

TEST_F(Published, WeightsOverflowUramIntoBram) {
  hw::Device d = zu19eg();
  d.resources.uram_bytes = 1 << 20;  // 1 MiB: the 2.3 MB FFN1 weights no longer fit
  const KernelCost ffn1 = cost("l0.ffn1", d);
  EXPECT_EQ(ffn1.resources.uram_bytes, 0);
  EXPECT_EQ(ffn1.resources.bram_bytes, 3072 * 768 + 3072 * 4 + 768 + 3072 * 9 + 3072 * 5);
  EXPECT_EQ(cost("l0.q", d).resources.uram_bytes, 768 * 768 + 768 * 4);
}

TEST(KernelCost, KnobsChangeCycles) {
  model::ModelConfig c;
  c.layers = 1;
  graph::KnobMap knobs = graph::ibert::default_knobs();
  knobs[ibert::ffn2].partition = 2;
  knobs[ibert::ffn2].stages[0] = {2, 12, 1};
  knobs[ibert::attention].stages[0].pe = 4;
  const graph::Graph g = graph::build_graph(c, knobs);
  std::map<std::string, KernelCost> by_name;
  for (const graph::Kernel& k : g.kernels) by_name[k.name] = kernel_cost(k, zu19eg());
  // each half: 384 rows / tile 2 x 3072 / (12 x 64)
  EXPECT_EQ(by_name["l0.ffn2.p1"].stages[0].cycles_per_token, 192 * 4);
  EXPECT_EQ(by_name["l0.ffn2.p1"].stages[0].resources.dsp, 768);
  EXPECT_EQ(by_name["l0.h0.attention"].stages[0].cycles_per_token, 32);
  EXPECT_EQ(by_name["l0.h0.attention"].stages[0].resources.dsp, 128);
  EXPECT_EQ(by_name["source"].resources.dsp, 0);
}

TEST(KernelCost, KeyColumnsPadToSixteen) {
  model::ModelConfig c;
  c.layers = 1;
  c.seq_len = 100;  // padded to 112 key columns
  const graph::Graph g = graph::build_graph(c);
  for (const graph::Kernel& k : g.kernels) {
    if (k.name == "l0.h0.attention") {
      EXPECT_EQ(kernel_cost(k, zu19eg()).stages[0].cycles_per_token, 56);
    }
    if (k.name == "l0.h0.context") {
      EXPECT_EQ(kernel_cost(k, zu19eg()).stages[0].cycles_per_token, 50);
    }
  }
}

// The error a kernel with one stage of `type` and these fields gives ("" if none), with its kind.
std::pair<std::string, core::ErrorKind> error_of(graph::StageType type, std::int64_t m,
                                                 std::int64_t k, graph::Knobs knobs) {
  graph::Kernel kernel;
  kernel.name = "bad";
  kernel.role = graph::ibert::ffn1;
  kernel.stages = {{graph::StageType::quant_act, 768, 0, {1, 1, 1}}, {type, m, k, knobs}};
  try {
    kernel_cost(kernel, zu19eg());
  } catch (const core::Error& e) {
    return {e.what(), e.kind()};
  }
  return {"", core::ErrorKind::internal};
}

TEST(KernelCost, RejectsBadKnobsAsInvalidInput) {
  using graph::StageType;
  auto [what, kind] = error_of(StageType::linear, 768, 768, {0, 12, 1});
  EXPECT_EQ(what, "kernel 'bad': stage 1 (linear): tile must be >= 1, got 0");
  EXPECT_EQ(kind, core::ErrorKind::invalid_input);
  EXPECT_EQ(error_of(StageType::linear, 768, 0, {2, 1, 1}).first,
            "kernel 'bad': stage 1 (linear): k must be >= 1, got 0");
  EXPECT_EQ(error_of(StageType::gelu, -5, 0, {1, 1, 1}).first,
            "kernel 'bad': stage 1 (gelu): m must be >= 1, got -5");
  EXPECT_EQ(error_of(StageType::gelu, 768, 0, {1, 1, 4}).first, "");  // k unused: 0 is fine
}

// Issue 9.4: a stage m of 2^62 gave a negative latency, a Cluster Builder pe of 2^31-1 (whose
// tile x pe overflowed int) -7.3 % DSP use. Both are above the cost model's limits now.
TEST(KernelCost, KnobsAndShapesAboveTheLimitsAreUnsupported) {
  using graph::StageType;
  auto [what, kind] = error_of(StageType::linear, std::int64_t{1} << 62, 768, {2, 12, 1});
  EXPECT_EQ(what,
            "kernel 'bad': stage 1 (linear): m 4611686018427387904 is above the cost model's "
            "limit of 16777216 (docs/cost-model.md)");
  EXPECT_EQ(kind, core::ErrorKind::unsupported);
  std::tie(what, kind) = error_of(StageType::linear, 768, 768, {2, 2147483647, 1});
  EXPECT_EQ(what,
            "kernel 'bad': stage 1 (linear): pe 2147483647 is above the cost model's limit of "
            "65536 (docs/cost-model.md)");
  EXPECT_EQ(kind, core::ErrorKind::unsupported);
  EXPECT_EQ(error_of(StageType::softmax, 128, 0, {1, 1, 65537}).first,
            "kernel 'bad': stage 1 (softmax): unroll 65537 is above the cost model's limit of "
            "65536 (docs/cost-model.md)");
  EXPECT_EQ(error_of(StageType::attention_matmul, 128, std::int64_t{1} << 40, {1, 2, 1}).first,
            "kernel 'bad': stage 1 (attention_matmul): k 1099511627776 is above the cost "
            "model's limit of 16777216 (docs/cost-model.md)");
}

// At the limits every product stays in int64 and every amount is positive.
TEST(KernelCost, TheLimitsThemselvesStayInRange) {
  graph::Kernel kernel;
  kernel.name = "huge";
  kernel.role = graph::ibert::ffn1;
  const graph::Knobs most{static_cast<int>(kMaxKnob), static_cast<int>(kMaxKnob), 1};
  kernel.stages = {{graph::StageType::linear, kMaxDimension, kMaxDimension, most},
                   {graph::StageType::residual_act, kMaxDimension, kMaxDimension, {1, 1, 16}}};
  const KernelCost c = kernel_cost(kernel, zu19eg());
  // 2^16 x 2^16 x 64 MACs on 2 per DSP; 2^24 x 2^24 weights + 2^26 bias bytes in BRAM.
  EXPECT_EQ(c.stages[0].resources.dsp, std::int64_t{1} << 37);
  EXPECT_EQ(c.weight_bytes, (std::int64_t{1} << 48) + (std::int64_t{1} << 26));
  EXPECT_GT(c.resources.bram_bytes, c.weight_bytes);
  EXPECT_GT(c.resources.lut, 0);
  EXPECT_EQ(c.cycles_per_token, std::int64_t{1} << 20);  // residual: 2^24 channels / 16
  EXPECT_EQ(sequence_cycles(c, 128), c.fill_cycles + (std::int64_t{1} << 27));
  try {
    sequence_cycles(c, std::int64_t{1} << 60);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::unsupported);
    EXPECT_STREQ(e.what(),
                 "a sequence of 1152921504606846976 rows at 1048576 cycles per row does not "
                 "fit int64");
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
  const graph::Graph g = graph::build_graph(c);
  const graph::Kernel& q = g.kernels[1];
  ASSERT_EQ(q.name, "l0.q");
  EXPECT_EQ(kernel_cost(q, cat.at("sidewinder-100")).stages[0].resources.dsp, 384);
  EXPECT_EQ(kernel_cost(q, cat.at("sidewinder-100")).resources.uram_bytes, 768 * 768 + 768 * 4);
  EXPECT_EQ(kernel_cost(q, cat.at("vck190")).stages[0].resources.dsp, 256);
}

}  // namespace
}  // namespace atl::cost
