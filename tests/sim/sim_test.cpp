#include "sim/sim.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "cost/estimate.h"
#include "tiny_plans.h"

namespace atl::sim {
namespace {

using testing::gather_two;
using testing::two_nodes;

// two_nodes(), worked by hand. 100 MHz: one cycle = 10,000 ps.
//  source: no cost; its output port moves 1 flit (64 B) per cycle, so row r reaches A at
//          (r + 1) * 10,000.
//  A: 64 cycles per row (640,000), fill 11 (110,000); row 0 accepted at 10,000, comes out at
//     10,000 + 640,000 + 110,000 = 760,000, leaves the port 1 flit later: 770,000. Row r leaves
//     at 770,000 + 640,000 r.
//  network: 64 B -> 1 payload flit + 1 Galapagos header flit = 128 B + 66 B framing = 194 B on the
//     wire, 194 * 80 ps = 15,520 ps; row 0 also carries the message header flit: 258 B, 20,640 ps.
//     A row arrives 1,000,000 (hop) + serialisation after it leaves: row 0 at 1,790,640, row 3
//     at 770,000 + 1,920,000 + 1,015,520 = 3,705,520.
//  B: 16 cycles per row, fill 8: row 3 out at 3,705,520 + 240,000 = 3,945,520, +1 flit to the
//     sink: 3,955,520.
TEST(Simulate, TwoNodesLatencyByHand) {
  Result r = simulate(two_nodes());
  EXPECT_EQ(r.latency, 3'955'520);
  ASSERT_EQ(r.kernels.size(), 4u);
  EXPECT_EQ(r.kernels[1].first_start, 10'000);
  EXPECT_EQ(r.kernels[1].last_end, 10'000 + 3 * 640'000 + 750'000);
  EXPECT_EQ(r.kernels[2].first_start, 1'790'640);
  EXPECT_EQ(r.kernels[2].last_end, 3'945'520);
}

// With an ideal network row 3 reaches B the moment it leaves A (2,690,000):
// 2,690,000 + 240,000 + 10,000 = 2,940,000.
TEST(Simulate, TwoNodesIdealNetwork) {
  Options o;
  o.ideal_network = true;
  EXPECT_EQ(simulate(two_nodes(), o).latency, 2'940'000);
}

// The same two kernels two hops apart on a 4-FPGA ring (fpga0 -> fpga1 -> fpga2, 1,000 ns per
// hop, cut-through): row 3 arrives at 2,690,000 + 2 x 1,000,000 + 15,520 = 4,705,520, B puts it
// out 240,000 later and the sink has it one flit after: 4,955,520.
TEST(Simulate, RingTwoHopsByHand) {
  plan::Plan p = two_nodes();
  hw::Cluster ring = testing::cluster(4);
  ring.network.topology = hw::Topology::ring;
  p.cluster = ring;
  p.node_of_kernel = {0, 0, 2, 2};
  Result r = simulate(p);
  EXPECT_EQ(r.latency, 4'955'520);
  EXPECT_EQ(r.links[0].name, "fpga0->fpga1");
  EXPECT_EQ(r.links[0].rows, 4);
  EXPECT_EQ(r.links[0].busy, 20'640 + 3 * 15'520);
}

// A is the bottleneck: 4 rows * 640,000 ps = 2,560,000 ps per sequence = 390,625 seq/s, and
// sequence s completes 2,560,000 s after sequence 0.
TEST(Simulate, TwoNodesThroughputIsTheBottleneckRate) {
  Options o;
  o.sequences = 5;
  Result r = simulate(two_nodes(), o);
  EXPECT_DOUBLE_EQ(r.throughput_seq_per_s, 390'625.0);
  ASSERT_EQ(r.sequence_done.size(), 5u);
  for (int s = 0; s < 5; ++s) EXPECT_EQ(r.sequence_done[s], 3'955'520 + s * 2'560'000);
  EXPECT_EQ(r.makespan, 3'955'520 + 4 * 2'560'000);
  // A never waits after its first row: busy 20 rows * 640,000, starved only before row 0.
  EXPECT_EQ(r.kernels[1].busy, 20 * 640'000);
  EXPECT_EQ(r.kernels[1].starved, 10'000);
  EXPECT_EQ(r.kernels[1].blocked, 0);
}

// The critical path of two_nodes(): source row 0 -> A rows 0..3 (A is rate bound) -> the link
// with row 3 -> B row 3 -> sink.
TEST(Simulate, TwoNodesCriticalPath) {
  Result r = simulate(two_nodes());
  ASSERT_EQ(r.critical_path.size(), 7u);
  EXPECT_EQ(r.critical_path[0].name, "source");
  EXPECT_EQ(r.critical_path[1].kind, "stream");
  EXPECT_EQ(r.critical_path[2].name, "A");
  EXPECT_EQ(r.critical_path[2].first_row, 0);
  EXPECT_EQ(r.critical_path[2].last_row, 3);
  EXPECT_EQ(r.critical_path[3].kind, "link");
  EXPECT_EQ(r.critical_path[3].name, "fpga0->switch, switch->fpga1");
  EXPECT_EQ(r.critical_path[3].start, 2'690'000);
  EXPECT_EQ(r.critical_path[3].end, 3'705'520);
  EXPECT_EQ(r.critical_path[4].name, "B");
  EXPECT_EQ(r.critical_path[4].first_row, 3);
  EXPECT_EQ(r.critical_path[6].name, "sink");
  EXPECT_EQ(r.critical_path[6].end, 3'955'520);
}

// The analytic estimate of two_nodes() (cost::estimate) was 3,945.52 ns when this was written: it
// leaves out A's output port cycle for the network row (10 ns). The two must stay within 1 %.
TEST(Simulate, TwoNodesAgreesWithAnalyticEstimate) {
  plan::Plan p = two_nodes();
  cost::Estimate e = cost::estimate(p.graph, p.cluster, p.node_of_kernel);
  EXPECT_NEAR(static_cast<double>(simulate(p).latency) / 1e6 / e.latency_us, 1.0, 0.01);
}

// gather_two(), by hand. The source's row goes to P1 and P2 (both on fpga0) in one burst of 2
// flits: row r arrives at 20,000 (r + 1). P1 and P2 (64 cycles per row, fill 11) put row 0 out
// at 770,000 and through their 2-flit port at 790,000 - both at once, so they queue for fpga0's
// uplink: 128 B -> 2 + 1 flits = 192 + 66 = 258 B = 20,640 ps (row 0: +64 B = 25,760 ps).
//   P1 row 0: uplink [790,000, 815,760], switch->fpga1 [1,790,000, 1,815,760]
//   P2 row 0: uplink [815,760, 841,520], switch->fpga1 [1,815,760, 1,841,520]
//   P1 row 1 (out 1,430,000): uplink [1,430,000, 1,450,640], down [2,430,000, 2,450,640]
//   P2 row 1: uplink [1,450,640, 1,471,280], down [2,450,640, 2,471,280]
// C (quant_act 256 / 16: 16 cycles, fill 8) takes row 1 at 2,471,280, puts it out at 2,711,280,
// and 2 flits later the sink has it: 2,731,280. Without the queueing it would be 2,710,640.
TEST(Simulate, GatherQueuesOnSharedLinks) {
  Result r = simulate(gather_two());
  EXPECT_EQ(r.latency, 2'731'280);
  ASSERT_EQ(r.links.size(), 4u);  // fpga0->switch, switch->fpga0, fpga1->switch, switch->fpga1
  EXPECT_EQ(r.links[0].name, "fpga0->switch");
  EXPECT_EQ(r.links[0].busy, 2 * 25'760 + 2 * 20'640);
  EXPECT_EQ(r.links[0].bytes, 2 * 322 + 2 * 258);
  EXPECT_EQ(r.links[0].rows, 4);
  EXPECT_EQ(r.links[3].name, "switch->fpga1");
  EXPECT_EQ(r.links[3].busy, r.links[0].busy);
  EXPECT_EQ(r.links[1].busy, 0);
  EXPECT_DOUBLE_EQ(r.links[0].utilisation, 92'800.0 / 2'731'280.0);
}

TEST(Simulate, IsDeterministic) {
  Options o;
  o.sequences = 7;
  Result a = simulate(gather_two(), o), b = simulate(gather_two(), o);
  EXPECT_EQ(a.sequence_done, b.sequence_done);
  EXPECT_EQ(a.events, b.events);
}

TEST(Simulate, ReportsProgress) {
  Options o;
  o.sequences = 3;
  std::vector<double> calls;
  o.progress = [&](double f) { calls.push_back(f); };
  simulate(two_nodes(), o);
  // Every 2^20 events, and once at the end; a tiny run only has the end.
  EXPECT_EQ(calls, std::vector<double>{1.0});
}

void expect_error(const plan::Plan& p, const std::string& fragment, const Options& o = {}) {
  try {
    simulate(p, o);
    FAIL() << "expected an error mentioning '" << fragment << "'";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Simulate, RejectsBadPlans) {
  plan::Plan p = two_nodes();
  p.cluster.nodes[1].device.kernel_clock_mhz = 0;
  expect_error(p, "cluster.nodes[1] (fpga1).device.kernel_clock_mhz must be a positive clock");

  p = two_nodes();
  p.cluster.nodes[0].device.kernel_clock_mhz = -200;
  expect_error(p, "kernel_clock_mhz");

  p = two_nodes();
  p.cluster.network.link_gbps = 0;
  expect_error(p, "network.link_gbps must be a positive bandwidth, got 0");

  p = two_nodes();
  p.cluster.network.link_gbps = -100;
  expect_error(p, "network.link_gbps");

  p = two_nodes();
  p.cluster.network.hop_latency_ns = -1;
  expect_error(p, "network.hop_latency_ns must be >= 0");

  p = two_nodes();
  p.graph.kernels.clear();
  p.graph.streams.clear();
  expect_error(p, "graph.kernels is empty");

  p = two_nodes();
  p.node_of_kernel[2] = 5;
  expect_error(p, "node_of_kernel[2] (kernel 'B') = 5 is not a node index 0..1");

  p = two_nodes();
  p.node_of_kernel.pop_back();
  expect_error(p, "node_of_kernel has 3 entries, graph.kernels has 4");

  p = two_nodes();
  p.cluster.nodes.clear();
  expect_error(p, "cluster.nodes is empty");

  Options o;
  o.sequences = 0;
  expect_error(two_nodes(), "sequences must be >= 1", o);
  o.sequences = 1;
  o.fifo_rows = 0;
  expect_error(two_nodes(), "fifo_rows must be in 1..1048576 and sequence_buffers in 1..64", o);
  o.fifo_rows = 4;
  o.sequence_buffers = 1000;
  expect_error(two_nodes(), "got 4 and 1000", o);
}

}  // namespace
}  // namespace atl::sim
