#include "cost/decode_cost.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "cost/decode_fit.h"
#include "cost/decode_step.h"
#include "graph/decoder_blocks.h"
#include "test_board.h"

namespace atl::cost {
namespace {

using graph::StageType;

hw::Device board() {
  hw::Device d = testing::round_board();
  d.dsp_int8_macs_per_cycle = 2;
  d.offchip_bytes = 1'000'000'000;
  d.offchip_gbytes_per_s = 1;
  return d;
}

graph::Kernel attention() {
  graph::Kernel k;
  k.name = "l0.h0.attn";
  k.role = {model::Architecture::llama_decoder, graph::decoder::attention};
  k.layer = k.head = 0;
  k.stages = {{StageType::decoder_attention, 64, 8, {1, 2, 1}}};  // 64 positions, head_dim 8
  return k;
}

graph::Kernel linear() {
  graph::Kernel k;
  k.name = "l0.q";
  k.role = {model::Architecture::llama_decoder, graph::decoder::q};
  k.layer = 0;
  k.stages = {{StageType::w8a8_linear, 32, 128, {2, 1, 1}}};
  k.out_bytes_per_token = 128;
  return k;
}

TEST(DecodeCost, AttentionReadsTheKvCacheUpToItsPosition) {
  const hw::Device d = board();
  const DecodeKernelCost on = decode_kernel_cost(attention(), d, {});
  const DecodeKernelCost off =
      decode_kernel_cost(attention(), d, {Memory::on_chip, Memory::off_chip});
  // K and V of one position: 2 x 8 int8 + 2 int32 scales; 64 positions.
  EXPECT_EQ(off.kv_bytes_per_position, 24);
  EXPECT_EQ(off.kv_bytes, 64 * 24);
  EXPECT_EQ(off.offchip_bytes, 64 * 24);
  EXPECT_EQ(on.offchip_bytes, 0);
  EXPECT_EQ(on.on_chip.bram_bytes - off.on_chip.bram_bytes, 64 * 24);
  // kernel_cost's fill: 2 dot depths (20) + divider (36) + element (8) = 64 besides the row.
  EXPECT_EQ(off.attention_fixed_fill, 64);

  // Decode step at position 20: keys 0..20 padded to 32, 2 per cycle = 16 cycles.
  const PassCost step = pass_cost(off, {20, 1, 1});
  EXPECT_EQ(step.first_row_cycles, 64 + 16);
  EXPECT_EQ(step.cycles, 64 + 16);
  EXPECT_EQ(step.last_row_cycles, 16);
  EXPECT_EQ(step.offchip_bytes, (21 + 1) * 24);  // read 21 positions, write the new one
  EXPECT_EQ(pass_cost(on, {20, 1, 1}).offchip_bytes, 0);
  // At position 40 the keys pad to 48: 24 cycles; the reads grow with the position.
  EXPECT_EQ(pass_cost(off, {40, 1, 1}).cycles, 64 + 24);
  EXPECT_EQ(pass_cost(off, {40, 1, 1}).offchip_bytes, (41 + 1) * 24);

  // Prefill of 3 rows (positions 0, 1, 2: 8 cycles each); 2 sequences double rows and reads.
  const PassCost prefill = pass_cost(off, {0, 3, 2});
  EXPECT_EQ(prefill.first_row_cycles, 64 + 8);
  EXPECT_EQ(prefill.cycles, 64 + 2 * 24);
  EXPECT_EQ(prefill.offchip_bytes, 2 * (3 + 3) * 24);
}

// An attention kernel of 4 query heads (tile 4) sharing 2 KV heads: one engine (the DSPs of a
// head) loops over the heads; the cache holds the 2 KV heads.
TEST(DecodeCost, GroupedAttentionLoopsOverItsHeadsAndCachesItsKvHeads) {
  const hw::Device d = board();
  graph::Kernel grouped = attention();
  grouped.stages[0].knobs.tile = 4;
  const DecodeKernelCost one = decode_kernel_cost(attention(), d, {});
  const DecodeKernelCost four = decode_kernel_cost(grouped, d, {}, 2);
  EXPECT_EQ(four.attention_heads, 4);
  EXPECT_EQ(four.on_chip.dsp, one.on_chip.dsp);
  EXPECT_EQ(four.kv_bytes_per_position, 2 * 24);
  EXPECT_EQ(four.kv_bytes, 64 * 2 * 24);
  EXPECT_EQ(four.on_chip.bram_bytes - one.on_chip.bram_bytes, 64 * 24);  // one more KV head
  // Position 20: 4 heads x 16 cycles after the fill of 64.
  EXPECT_EQ(pass_cost(four, {20, 1, 1}).cycles, 64 + 4 * 16);
  const DecodeKernelCost off =
      decode_kernel_cost(grouped, d, {Memory::on_chip, Memory::off_chip}, 2);
  EXPECT_EQ(pass_cost(off, {20, 1, 1}).offchip_bytes, (21 + 1) * 2 * 24);
  EXPECT_EQ(off.on_chip.bram_bytes, one.on_chip.bram_bytes - 64 * 24);  // the scores row left
}

TEST(DecodeCost, OffChipWeightsAreReadOncePerPass) {
  const hw::Device d = board();
  const DecodeKernelCost off = decode_kernel_cost(linear(), d, {Memory::off_chip, Memory::on_chip});
  const DecodeKernelCost on = decode_kernel_cost(linear(), d, {});
  const std::int64_t weights = 32 * 128 + 32 * 8;  // int8 matrix + scale and bias per channel
  EXPECT_EQ(off.weight_bytes, weights);
  EXPECT_EQ(off.offchip_bytes, weights);
  EXPECT_EQ(on.on_chip.uram_bytes - off.on_chip.uram_bytes, weights);
  // 16 tiles of 2 rows x 2 flits of 64 inputs = 32 cycles per row; fill 10 + pe 1 + 8 + 8.
  const PassCost one = pass_cost(off, {5, 1, 1});
  EXPECT_EQ(one.cycles, 27 + 32);
  EXPECT_EQ(one.offchip_bytes, weights);
  const PassCost batch = pass_cost(off, {5, 1, 3});
  EXPECT_EQ(batch.cycles, 27 + 3 * 32);
  EXPECT_EQ(batch.offchip_bytes, weights);
}

TEST(DecodeCost, MemoryNamesRoundTrip) {
  EXPECT_EQ(memory_from_string("off_chip", "x"), Memory::off_chip);
  EXPECT_EQ(memory_from_string(to_string(Memory::on_chip), "x"), Memory::on_chip);
  EXPECT_THROW(memory_from_string("hbm", "plan.decoder"), core::Error);
}

// source -> q (off chip) -> sink on one board: the memory read decides the kernel's end.
struct Chain {
  graph::Graph g;
  hw::Cluster c;
  Chain() {
    graph::Kernel src, sink;
    src.name = "source";
    src.role = {model::Architecture::llama_decoder, graph::kSourceRole};
    src.out_bytes_per_token = 512;
    sink.name = "sink";
    sink.role = {model::Architecture::llama_decoder, graph::kSinkRole};
    g.model = "chain";
    g.architecture = model::Architecture::llama_decoder;
    g.seq_len = 64;
    g.kernels = {src, linear(), sink};
    g.streams = {{0, 1, graph::Pattern::send, 512, 0}, {1, 2, graph::Pattern::send, 128, 0}};
    c.name = "one";
    c.nodes = {{"a", board()}};
  }
};

TEST(DecodeStep, OffChipWeightsBoundTheStep) {
  const Chain chain;
  const DecodeModel m =
      decode_model(chain.g, chain.c, {0, 0, 0}, {{}, {Memory::off_chip, Memory::on_chip}, {}});
  const PassTiming t = time_pass(chain.g, m, {5, 1, 1});
  const double cycle = 1 / 200e6;
  const double in = 8 * cycle;  // 512 B = 8 flits through the on-chip switch
  const double read = (32 * 128 + 32 * 8) / (1e9 * 425.0 / 460.0);
  EXPECT_DOUBLE_EQ(t.kernels[1].start_s, in);
  EXPECT_TRUE(t.kernels[1].memory_bound);
  EXPECT_DOUBLE_EQ(t.kernels[1].end_s, in + read);
  EXPECT_DOUBLE_EQ(t.seconds, in + read + 2 * cycle);  // 128 B = 2 flits to the sink
  // On chip the pipeline decides: 59 cycles.
  const DecodeModel on = decode_model(chain.g, chain.c, {0, 0, 0}, {});
  const PassTiming t2 = time_pass(chain.g, on, {5, 1, 1});
  EXPECT_FALSE(t2.kernels[1].memory_bound);
  EXPECT_DOUBLE_EQ(t2.seconds, in + 59 * cycle + 2 * cycle);
  const std::vector<PathLink> path = critical_path(chain.g, on, t2);
  ASSERT_EQ(path.size(), 3u);
  EXPECT_EQ(path[0].kernel, 0);
  EXPECT_EQ(path[1].kernel, 1);
  EXPECT_EQ(path[1].stream, 0);
  EXPECT_EQ(path[2].stream, 1);
}

// source -> q of layers 0 and 1 side by side -> sink: on one board the two q kernels share one
// engine (its logic, DSPs and buffers once, each its weights) and take turns; on two boards
// each has its own.
struct TwoLayers : Chain {
  TwoLayers() {
    graph::Kernel q1 = linear();
    q1.name = "l1.q";
    q1.layer = 1;
    g.kernels.insert(g.kernels.begin() + 2, q1);
    g.streams = {{0, 1, graph::Pattern::send, 512, 0},
                 {0, 2, graph::Pattern::send, 512, 0},
                 {1, 3, graph::Pattern::send, 128, 0},
                 {2, 3, graph::Pattern::send, 128, 0}};
    c.nodes.push_back({"b", board()});
  }
};

TEST(DecodeFit, KernelsOfARoleOnABoardShareOneEngine) {
  const TwoLayers two;
  const DecodeModel shared = decode_model(two.g, two.c, {0, 0, 0, 0}, {});
  const DecodeModel apart = decode_model(two.g, two.c, {0, 0, 1, 0}, {});
  EXPECT_EQ(shared.engine_of_kernel[1], shared.engine_of_kernel[2]);
  EXPECT_NE(apart.engine_of_kernel[1], apart.engine_of_kernel[2]);
  const hw::Resources q = shared.kernels[1].on_chip;
  const std::int64_t weights = 32 * 128 + 32 * 8, buffers = 128 * 5;  // int32 row + int8 copy
  EXPECT_EQ(q.uram_bytes, weights);
  EXPECT_EQ(q.bram_bytes, buffers);
  const NodeUse one = node_use(shared, 2)[0];
  EXPECT_EQ(one.on_chip.dsp, q.dsp);
  EXPECT_EQ(one.on_chip.lut, q.lut);
  EXPECT_EQ(one.on_chip.uram_bytes, 2 * weights);
  EXPECT_EQ(one.on_chip.bram_bytes, buffers);
  EXPECT_EQ(one.weights_on_chip, 2 * weights);
  EXPECT_EQ(node_use(apart, 2)[0].on_chip.dsp, q.dsp);
  EXPECT_EQ(node_use(apart, 2)[1].on_chip.dsp, q.dsp);
  // A prefill of 4 rows: 27 + 4 x 32 cycles each; on one board the second waits for the first.
  const PassTiming t = time_pass(two.g, shared, {0, 4, 1});
  EXPECT_DOUBLE_EQ(t.kernels[2].start_s, t.kernels[1].end_s);
  EXPECT_DOUBLE_EQ(t.kernels[1].end_s - t.kernels[1].start_s, (27 + 4 * 32) / 200e6);
  const PassTiming t2 = time_pass(two.g, apart, {0, 4, 1});
  EXPECT_LT(t2.kernels[2].start_s, t.kernels[2].start_s);
}

TEST(DecodeFit, OffChipBytesBeyondTheBoardDoNotFit) {
  Chain chain;
  chain.c.nodes[0].device.offchip_bytes = 1000;
  const DecodeModel m = decode_model(chain.g, chain.c, {0, 0, 0},
                                     {{}, {Memory::off_chip, Memory::on_chip}, {}}, false, false);
  const std::vector<NodeUse> use = node_use(m, 1);
  EXPECT_EQ(use[0].weights_off_chip, 32 * 128 + 32 * 8);
  try {
    check_decoder_fits(use, chain.c);
    FAIL() << "expected does_not_fit";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::does_not_fit);
    EXPECT_STREQ(e.what(),
                 "node 'a' (board): weights (4352 B) and KV cache (0 B) placed off chip need 4352 "
                 "B, the board's off-chip memory holds 1000 B");
  }
  EXPECT_THROW(decode_model(chain.g, chain.c, {0, 0, 0}, {{}}), core::Error);
}

}  // namespace
}  // namespace atl::cost
