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
  hw::Cluster ring = testing::cluster(4);
  ring.network.topology = hw::Topology::ring;
  Result r = simulate(testing::make_plan(two_nodes().graph, ring, {0, 0, 2, 2}));
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
  EXPECT_EQ(r.critical_path[1].kind, StepKind::stream);
  EXPECT_EQ(r.critical_path[2].name, "A");
  EXPECT_EQ(r.critical_path[2].first_row, 0);
  EXPECT_EQ(r.critical_path[2].last_row, 3);
  EXPECT_EQ(r.critical_path[3].kind, StepKind::link);
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

void expect_error(const plan::Plan& p, core::ErrorKind kind, const std::string& fragment,
                  const Options& o = {}) {
  try {
    simulate(p, o);
    FAIL() << "expected an error mentioning '" << fragment << "'";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(e.kind(), kind) << e.what();
  }
}

constexpr auto kInvalid = core::ErrorKind::invalid_input;
constexpr auto kDoesNotFit = core::ErrorKind::does_not_fit;

// The plan checks are plan::validate's; the simulator adds the clocks and its options.
TEST(Simulate, RejectsBadPlans) {
  plan::Plan p = two_nodes();
  p.cluster.nodes[1].device.kernel_clock_mhz = 0;
  expect_error(p, kInvalid,
               "plan (model 'two-nodes'): cluster.nodes[1] (fpga1).device.kernel_clock_mhz must "
               "be a clock in (0, 1000000] MHz (a cycle of at least 1 ps), got 0");

  p = two_nodes();
  p.cluster.nodes[0].device.kernel_clock_mhz = -200;
  expect_error(p, kInvalid, "kernel_clock_mhz");

  // Above 10^6 MHz a cycle rounds to 0 ps.
  p = two_nodes();
  p.cluster.nodes[0].device.kernel_clock_mhz = 2e6;
  expect_error(p, kInvalid, "got 2000000");

  p = two_nodes();
  p.cluster.network.link_gbps = 0;
  expect_error(p, kInvalid, "network.link_gbps must be a positive bandwidth, got 0");

  p = two_nodes();
  p.cluster.network.hop_latency_ns = -1;
  expect_error(p, kInvalid, "network.hop_latency_ns must be >= 0");

  p = two_nodes();
  p.graph.kernels.clear();
  p.graph.streams.clear();
  expect_error(p, kInvalid, "plan (model 'two-nodes'): graph: graph 'two-nodes': no kernels");

  p = two_nodes();
  p.node_of_kernel[2] = 5;
  expect_error(p, kInvalid, "kernel 'B': node index 5 outside the cluster's 2 nodes");

  p = two_nodes();
  p.node_of_kernel.pop_back();
  expect_error(p, kInvalid, "placement: 3 entries for 4 kernels");

  Options o;
  o.sequences = 0;
  expect_error(two_nodes(), kInvalid, "sequences must be >= 1", o);
  o.sequences = 1;
  o.fifo_rows = 0;
  expect_error(two_nodes(), kInvalid,
               "fifo_rows must be in 1..1048576 and sequence_buffers in 1..64", o);
  o.fifo_rows = 4;
  o.sequence_buffers = 1000;
  expect_error(two_nodes(), kInvalid, "got 4 and 1000", o);
}

// With FIFOs of one row P stops at row 2 (X took row 0, row 1 waits in its FIFO) and att waits for
// P's row 3; with the default four rows the same plan runs.
TEST(Simulate, NamesTheKernelsOfADeadlock) {
  Options o;
  o.fifo_rows = 1;
  expect_error(testing::deadlocking(), kInvalid,
               "simulation of plan 'deadlocking' deadlocked at 540000 ps with 0 of 4 rows "
               "delivered: source at row 3 waits for room for row 2 of stream source -> P; P at "
               "row 2 waits for room for row 1 of stream P -> X; X at row 1 waits for room for "
               "row 0 of stream X -> Z; att at row 0 waits for input row 3 of stream P -> att; Z "
               "at row 0 waits for input row 0 of stream att -> Z",
               o);
  EXPECT_GT(simulate(testing::deadlocking()).latency, 0);
}

// Issue 9.4: hostile figures are rejected before anything is allocated or run, never wrapped.
// two_nodes() has 4 kernels of 4 rows: 16 kernel rows per sequence.
TEST(Simulate, RejectsWorkOverTheLimit) {
  Options o;
  o.sequences = 2'000'000'000;
  expect_error(two_nodes(), kDoesNotFit,
               "simulate: 2000000000 sequences of 4 rows through 4 kernels are 3.2e+10 kernel "
               "rows per run, over the simulator's limit of 1073741824 (2^30, about two minutes); "
               "simulate at most 67108864 sequences of this plan",
               o);
  plan::Plan p = two_nodes();
  p.graph.seq_len = std::int64_t{1} << 40;
  expect_error(p, kDoesNotFit,
               "simulate: 1 sequences of 1099511627776 rows through 4 kernels are 4.398e+12 "
               "kernel rows per run, over the simulator's limit of 1073741824 (2^30, about two "
               "minutes); one sequence of this plan is already over it");
}

// A long sequence fits the work limit (4 kernels x 2^28 rows = 2^30) but recording the latency
// run would take 2^28 rows x (4 kernels x 24 B + 3 streams x 16 B) = 36 GiB: refused before
// allocating.
TEST(Simulate, RejectsMemoryOverTheLimit) {
  plan::Plan p = two_nodes();
  p.graph.seq_len = std::int64_t{1} << 28;
  expect_error(p, kDoesNotFit,
               "simulation of plan 'two-nodes' needs 36864 MiB: 0 MiB of stream FIFOs, the "
               "largest stream A -> B holding 6 rows, 36864 MiB to record the latency run and 0 "
               "MiB of per-sequence times; the simulator's limit is 2048 MiB");
}

// A clock of 1e-300 MHz used to overflow into a negative time and simulate faster than 200 MHz.
TEST(Simulate, RejectsClocksWhoseTimesOverflow) {
  plan::Plan p = two_nodes();
  p.cluster.nodes[0].device.kernel_clock_mhz = 1e-300;
  expect_error(p, kDoesNotFit,
               "kernel 'A': 64 cycles per row at 1e-300 MHz (node fpga0, device 'test-board') "
               "take 6.4e+307 ps, outside the simulator's range of 0..2^62 ps (53 days of "
               "simulated time)");
}

// A stage m of 2^62 used to give a negative latency. 2^52 (its weights, 2^58 bytes, still fit
// cost/'s integers) is 2^51 cycles per row, 2.25e19 ps at 100 MHz.
TEST(Simulate, RejectsStagesWhoseTimesOverflow) {
  plan::Plan p = two_nodes();
  p.graph.kernels[1].stages = {testing::linear(std::int64_t{1} << 52, 64, 2, 1)};
  // The cost model refuses such a stage before the simulator converts any time.
  expect_error(p, core::ErrorKind::unsupported,
               "kernel 'A': stage 0 (linear): m 4503599627370496 is above the cost model's limit "
               "of 16777216");
}

// fpga0 at 100 Hz (10^10 ps per cycle): every duration fits, and one sequence runs as worked
// out for two_nodes() with A and the ports on fpga0 10^6 times slower: A's row 3 leaves at
// 7.7e11 + 3 x 6.4e11 ps, then 1,015,520 ps of network, 240,000 of B and 10,000 of port.
// The bound of a run adds every duration of every row: A's 75 cycles (7.5e11), the two ports
// on fpga0 (2 x 1e10), the network (1,041,280) and B (240,000 + 10,000) = 770,001,291,280 ps
// per row; 2 million sequences (8 million rows) could pass 2^62 ps.
TEST(Simulate, RejectsRunsPastTheTimeLimit) {
  plan::Plan p = two_nodes();
  p.cluster.nodes[0].device.kernel_clock_mhz = 1e-4;
  EXPECT_EQ(simulate(p).latency, 2'690'000'000'000 + 1'015'520 + 240'000 + 10'000);
  Options o;
  o.sequences = 2'000'000;
  expect_error(p, kDoesNotFit,
               "simulation of plan 'two-nodes': 8000000 rows per kernel could take up to "
               "6.16001e+18 ps, past the simulator's limit of 2^62 ps (53 days of simulated "
               "time); the slowest kernel is 'A' (750000000000 ps per row on node fpga0)",
               o);
}

TEST(Simulate, RejectsNetworkFiguresWhoseTimesOverflow) {
  plan::Plan p = two_nodes();
  p.cluster.network.hop_latency_ns = 1e300;
  expect_error(p, kDoesNotFit,
               "cluster 'test': network.hop_latency_ns = 1e+300 is over the simulator's limit of "
               "2^62 ps");
  p = two_nodes();
  p.cluster.network.link_gbps = 1e-300;
  expect_error(p, kDoesNotFit,
               "kernel 'A': rows of 194 bytes to node 1 on link fpga0->switch take 1.552e+306 ps");
}

}  // namespace
}  // namespace atl::sim
