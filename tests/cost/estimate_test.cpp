#include "cost/estimate.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/error.h"
#include "graph/arch_ibert.h"
#include "test_board.h"

namespace atl::cost {
namespace {

namespace ibert = graph::ibert;

using graph::Role;
using graph::StageType;

// source -> ffn1 -> sink with 4 rows: small enough to follow the estimate's rules by hand.
graph::Graph chain() {
  graph::Graph g;
  g.model = "chain";
  g.seq_len = 4;
  g.hidden = g.intermediate = 128;
  g.heads = g.layers = 1;
  graph::Kernel src, ffn, sink;
  src.name = "source";
  src.role = ibert::source;
  src.out_bytes_per_token = 128;
  ffn.name = "l0.ffn1";
  ffn.role = ibert::ffn1;
  ffn.layer = 0;
  ffn.out_bytes_per_token = 128;
  ffn.stages = {{StageType::linear, 128, 128, {2, 1, 1}},
                {StageType::gelu, 128, 0, {1, 1, 4}},
                {StageType::quant_act, 128, 0, {1, 1, 4}}};
  sink.name = "sink";
  sink.role = ibert::sink;
  g.kernels = {src, ffn, sink};
  g.streams = {{0, 1, graph::Pattern::send, 128, 0}, {1, 2, graph::Pattern::send, 128, 0}};
  return g;
}

hw::Cluster pair() {
  const hw::Device d = testing::round_board();
  hw::Cluster c;
  c.name = "pair";
  c.nodes = {{"a", d}, {"b", d}};
  c.network.link_gbps = 100;
  c.network.hop_latency_ns = 1000;
  c.network.mtu_bytes = 9000;
  c.network.frame_overhead_bytes = 78;
  return c;
}

// The rules of estimate.h applied by hand to the chain, with the sink on `sink_node`.
double expected_latency_s(const graph::Graph& g, const hw::Cluster& c, int sink_node) {
  const double clock = 200e6, n = 4;
  const KernelCost k = kernel_cost(g.kernels[1], c.nodes[0].device);
  const StreamCost in = stream_cost(g.streams[0], g, c.network, 0);
  const int hops = sink_node == 0 ? 0 : 1;
  const StreamCost out = stream_cost(g.streams[1], g, c.network, hops);
  // The source holds the whole sequence at t = 0; rows reach the kernel one on-chip row apart.
  const double in_row = in.on_chip_cycles_per_token / clock;
  const double in_first = in_row, in_last = n * in_row;
  const double first_row = (k.fill_cycles + k.cycles_per_token) / clock;
  const double k_first = in_first + first_row;
  const double k_last =
      std::max(k_first + (n - 1) * k.cycles_per_token / clock, in_last + first_row);
  const double out_row = hops == 0 ? out.on_chip_cycles_per_token / clock : out.seconds_per_token;
  const double alpha = hops == 0 ? 0 : out.latency_s;
  const double out_first = k_first + alpha + out_row;
  return std::max(k_last + alpha + out_row, out_first + (n - 1) * out_row);
}

TEST(Estimate, ChainOnOneNodeFollowsThePipelineRules) {
  const graph::Graph g = chain();
  const hw::Cluster c = pair();
  const Estimate e = estimate(g, c, {0, 0, 0});
  EXPECT_DOUBLE_EQ(e.latency_us, expected_latency_s(g, c, 0) * 1e6);
  const KernelCost k = kernel_cost(g.kernels[1], c.nodes[0].device);
  EXPECT_DOUBLE_EQ(e.throughput_seq_per_s, 200e6 / (4.0 * k.cycles_per_token));
  ASSERT_EQ(e.nodes.size(), 2u);
  EXPECT_EQ(e.nodes[0].resources, k.resources);
  EXPECT_EQ(e.nodes[0].cycles_per_token, static_cast<double>(k.cycles_per_token));
  EXPECT_EQ(e.nodes[1], NodeEstimate{});
}

TEST(Estimate, ANetworkHopAddsAlphaAndBeta) {
  const graph::Graph g = chain();
  const hw::Cluster c = pair();
  const Estimate local = estimate(g, c, {0, 0, 0});
  const Estimate remote = estimate(g, c, {0, 0, 1});
  EXPECT_DOUBLE_EQ(remote.latency_us, expected_latency_s(g, c, 1) * 1e6);
  // At least the 1 us hop more than on chip.
  EXPECT_GT(remote.latency_us, local.latency_us + 1.0);
}

// Two FFN kernels on node a both send to the sink on node b over a slow link: their rows share
// a's uplink and b's downlink, so remote rows arrive one pair of wire times apart. (Before the
// fix each producer counted only its own rows, and the estimate was 32% below the simulator on
// the six-board plan at 10 Gb/s, where Q, K and V share fpga0's uplink.)
TEST(Estimate, StreamsLeavingOneNodeShareItsUplink) {
  graph::Graph g = chain();
  graph::Kernel second = g.kernels[1];
  second.name = "l0.ffn1.p1";
  g.kernels.push_back(second);
  g.streams = {{0, 1, graph::Pattern::send, 128, 0},
               {0, 3, graph::Pattern::send, 128, 0},
               {1, 2, graph::Pattern::send, 128, 0},
               {3, 2, graph::Pattern::send, 128, 1}};
  hw::Cluster c = pair();
  c.network.link_gbps = 0.1;  // a 128-byte row takes ~22 us on the wire, the kernel 0.64 us
  const Estimate e = estimate(g, c, {0, 0, 1, 0});

  const double clock = 200e6, n = 4;
  const KernelCost k = kernel_cost(g.kernels[1], c.nodes[0].device);
  const StreamCost in = stream_cost(g.streams[0], g, c.network, 0);
  const StreamCost out = stream_cost(g.streams[2], g, c.network, 1);
  const double in_row = in.on_chip_cycles_per_token / clock;
  const double first_row = (k.fill_cycles + k.cycles_per_token) / clock;
  const double k_first = in_row + first_row;
  const double k_last =
      std::max(k_first + (n - 1) * k.cycles_per_token / clock, n * in_row + first_row);
  const double shared_row = 2 * out.seconds_per_token;  // both streams, one uplink
  const double out_first = k_first + out.latency_s + out.seconds_per_token;
  const double expected =
      std::max(k_last + out.latency_s + shared_row, out_first + (n - 1) * shared_row);
  EXPECT_DOUBLE_EQ(e.latency_us, expected * 1e6);
  // One stream alone over the same link is faster by (n - 1) wire times.
  EXPECT_GT(e.latency_us, estimate(chain(), c, {0, 0, 1}).latency_us +
                              (n - 1) * out.seconds_per_token * 1e6 * 0.99);
}

// The source broadcasts to a slow Q and a fast K; an attention kernel waits for K's whole
// sequence, then feeds a slow FFN. Through bounded FIFOs the slow Q holds the source back, and
// with it K, so K's last row, and with it the attention's and the FFN's first, comes at Q's
// pace, not K's own (the simulator's critical path on `atoll demo`'s plan: the estimate was
// 878.2 us against 985.7 us simulated before this rule; here 9.635 us, 6.915 us without it).
TEST(Estimate, ABroadcastRunsAtThePaceOfItsSlowestConsumer) {
  graph::Graph g = chain();
  graph::Kernel q = g.kernels[1], k = g.kernels[1], ffn = g.kernels[1], attention;
  q.name = "l0.q";
  q.stages = {{StageType::linear, 128, 128, {1, 1, 1}}};
  k.name = "l0.k";
  k.stages = {{StageType::linear, 128, 128, {8, 1, 1}}};
  ffn.stages = q.stages;
  attention.name = "l0.h0.attention";
  attention.role = ibert::attention;
  attention.layer = attention.head = 0;
  attention.out_bytes_per_token = 4;
  attention.stages = {{StageType::attention_matmul, 4, 128, {1, 1, 1}},
                      {StageType::softmax, 4, 0, {1, 1, 1}}};
  g.kernels = {g.kernels[0], q, k, attention, ffn, g.kernels[2]};
  g.streams = {{0, 1, graph::Pattern::send, 128, 0}, {0, 2, graph::Pattern::send, 128, 0},
               {1, 3, graph::Pattern::send, 128, 0}, {2, 3, graph::Pattern::send, 128, 1},
               {3, 4, graph::Pattern::send, 4, 0},   {4, 5, graph::Pattern::send, 128, 0}};
  const hw::Cluster c = pair();
  const Estimate e = estimate(g, c, {0, 0, 0, 0, 0, 0});

  const double n = 4;
  const hw::Device& d = c.nodes[0].device;
  const KernelCost kq = kernel_cost(q, d), kk = kernel_cost(k, d), ka = kernel_cost(attention, d),
                   kf = kernel_cost(ffn, d);
  ASSERT_GT(kq.cycles_per_token, kk.cycles_per_token);
  ASSERT_GT(kq.cycles_per_token, ka.cycles_per_token);
  ASSERT_EQ(kq.cycles_per_token, kf.cycles_per_token);
  ASSERT_TRUE(ka.waits_for_port1_sequence);
  auto row = [&](int s) {
    return stream_cost(g.streams[s], g, c.network, 0).on_chip_cycles_per_token;
  };
  auto first_row = [](const KernelCost& kc) { return kc.fill_cycles + kc.cycles_per_token; };
  // In cycles. Source, Q and K run at Q's pace: K's last row leaves (n - 1) paces + one row +
  // its first-row time after t = 0; the attention's first row follows it; the FFN (the same
  // pace) emits its last (n - 1) paces after its first.
  const double pace = kq.cycles_per_token;
  const double k_last = (n - 1) * pace + row(1) + first_row(kk);
  const double a_first = k_last + row(3) + first_row(ka);
  const double f_last = a_first + row(4) + first_row(kf) + (n - 1) * pace;
  EXPECT_DOUBLE_EQ(e.latency_us, (f_last + row(5)) / 200.0);
  EXPECT_NEAR(e.latency_us, 9.635, 1e-9);
}

// The chain's FFN kernel uses 64 (linear) + 32 (gelu) + 16 (quant_act) DSPs.
TEST(CheckFits, NamesTheNodeAndTheResourceThatRunsOut) {
  const graph::Graph g = chain();
  hw::Cluster c = pair();
  const Estimate on_a = estimate(g, c, {0, 0, 0});
  ASSERT_EQ(on_a.nodes[0].resources.dsp, 112);
  c.nodes[0].device.resources.dsp = 112;
  check_fits(on_a, c);  // exactly full fits
  c.nodes[0].device.resources.dsp = 111;
  try {
    check_fits(on_a, c);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::does_not_fit);
    EXPECT_STREQ(e.what(), "placement: node 'a' (board) needs 112 dsp but the device has 111");
  }
  check_fits(estimate(g, c, {1, 1, 1}), c);  // node b has all its DSPs
}

}  // namespace
}  // namespace atl::cost
