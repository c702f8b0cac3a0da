// Small plans whose timing can be worked out by hand (the expected values in the tests are
// derived in their comments from cost/'s formulas).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "graph/arch_ibert.h"
#include "plan/plan.h"

namespace atl::sim::testing {

// A board at 100 MHz (10,000 ps per cycle) with room for anything.
inline hw::Device board() {
  hw::Device d;
  d.name = "test-board";
  d.family = "ultrascale_plus";
  d.resources.lut = d.resources.ff = 10'000'000;
  d.resources.dsp = 100'000;
  d.resources.bram_bytes = d.resources.uram_bytes = 1'000'000'000;
  d.dsp_kind = "dsp48e2";
  d.dsp_int8_macs_per_cycle = 2;
  d.network_ports = 1;
  d.network_gbps_per_port = 100;
  d.kernel_clock_mhz = 100;
  d.board_power_w = 100;
  return d;
}

// Switched 100 Gb/s (80 ps per byte), 1,000 ns per hop, 66 B framing, jumbo MTU.
inline hw::Cluster cluster(int nodes) {
  hw::Cluster c;
  c.name = "test";
  for (int i = 0; i < nodes; ++i) c.nodes.push_back({"fpga" + std::to_string(i), board()});
  c.network.topology = hw::Topology::switched;
  c.network.link_gbps = 100;
  c.network.hop_latency_ns = 1000;
  c.network.mtu_bytes = 9000;
  c.network.frame_overhead_bytes = 66;
  return c;
}

inline graph::Kernel kernel(std::string name, graph::Role role, std::vector<graph::Stage> stages,
                            std::int64_t out_bytes) {
  graph::Kernel k;
  k.name = std::move(name);
  k.role = role;
  k.layer = role == graph::ibert::source || role == graph::ibert::sink ? -1 : 0;
  k.stages = std::move(stages);
  k.out_bytes_per_token = out_bytes;
  return k;
}

// linear M x K with tile/pe: cycles per token ceil(M/tile) * ceil(K/(64 pe)), fill 10 + pe.
inline graph::Stage linear(std::int64_t m, std::int64_t k, int tile, int pe) {
  return {graph::StageType::linear, m, k, {tile, pe, 1}};
}
// quant_act over m channels, `unroll` per cycle: ceil(m/unroll) cycles per token, fill 8.
inline graph::Stage quant_act(std::int64_t m, int unroll) {
  return {graph::StageType::quant_act, m, 0, {1, 1, unroll}};
}

inline graph::Stream stream(int from, int to, std::int64_t bytes, int port = 0) {
  return {from, to, graph::Pattern::send, bytes, port};
}

inline plan::Plan make_plan(graph::Graph g, hw::Cluster c, std::vector<int> node_of_kernel) {
  plan::Plan p;
  p.model_config = "test";
  p.graph = std::move(g);
  p.cluster = std::move(c);
  p.node_of_kernel = std::move(node_of_kernel);
  p.objective = plan::Objective::manual;
  p.estimate.nodes.resize(p.cluster.nodes.size());
  return p;
}

// A one-layer, one-head toy graph header; the fixtures below add their kernels and streams.
inline graph::Graph toy_graph(std::string name, std::int64_t seq_len, std::int64_t hidden,
                              std::int64_t intermediate) {
  graph::Graph g;
  g.model = std::move(name);
  g.seq_len = seq_len;
  g.hidden = hidden;
  g.heads = 1;
  g.intermediate = intermediate;
  g.layers = 1;
  return g;
}

// source -> A (linear 64x64, tile 1, pe 1) -> B (quant_act 64, unroll 4) -> sink, 4 rows of
// 64 B; source and A on fpga0, B and sink on fpga1.
inline plan::Plan two_nodes() {
  graph::Graph g = toy_graph("two-nodes", 4, 64, 64);
  g.kernels = {kernel("source", graph::ibert::source, {}, 64),
               kernel("A", graph::ibert::q, {linear(64, 64, 1, 1)}, 64),
               kernel("B", graph::ibert::ffn2, {quant_act(64, 4)}, 64),
               kernel("sink", graph::ibert::sink, {}, 0)};
  g.streams = {stream(0, 1, 64), stream(1, 2, 64), stream(2, 3, 64)};
  return make_plan(std::move(g), cluster(2), {0, 0, 1, 1});
}

// source, P1, P2 on fpga0 (P1, P2: linear 128x64, tile 2, pe 1, 128-B rows); C (quant_act 128,
// unroll 16) gathers both on fpga1, then the sink. 2 rows. P1 and P2 share fpga0's uplink and
// fpga1's switch port.
inline plan::Plan gather_two() {
  graph::Graph g = toy_graph("gather-two", 2, 128, 128);
  g.kernels = {kernel("source", graph::ibert::source, {}, 64),
               kernel("P1", graph::ibert::q, {linear(128, 64, 2, 1)}, 128),
               kernel("P2", graph::ibert::k, {linear(128, 64, 2, 1)}, 128),
               kernel("C", graph::ibert::out_proj, {quant_act(256, 16)}, 128),
               kernel("sink", graph::ibert::sink, {}, 0)};
  g.streams = {stream(0, 1, 64), stream(0, 2, 64), stream(1, 3, 128), stream(2, 3, 128),
               stream(3, 4, 128)};
  g.streams[1].pattern = g.streams[0].pattern = graph::Pattern::bcast;
  g.streams[2].pattern = g.streams[3].pattern = graph::Pattern::gather;
  return make_plan(std::move(g), cluster(2), {0, 0, 0, 1, 1});
}

// A plan that deadlocks with FIFOs of one row: P feeds `att` (an attention kernel, which waits
// for P's whole sequence on port 1) and, through one-row FIFOs, X and then Z, which also needs
// att's first row. P can only send two rows before X and Z fill up; att needs all four. All on
// fpga0.
inline plan::Plan deadlocking() {
  graph::Graph g = toy_graph("deadlocking", 4, 64, 64);
  g.kernels = {kernel("source", graph::ibert::source, {}, 64),
               kernel("P", graph::ibert::q, {quant_act(64, 4)}, 64),
               kernel("X", graph::ibert::k, {quant_act(64, 4)}, 64),
               kernel("att", graph::ibert::attention,
                      {{graph::StageType::attention_matmul, 4, 64, {1, 1, 1}}}, 64),
               kernel("Z", graph::ibert::ln_attn, {quant_act(64, 4)}, 64),
               kernel("sink", graph::ibert::sink, {}, 0)};
  g.streams = {stream(0, 1, 64), stream(0, 3, 64),    stream(1, 3, 64, 1), stream(1, 2, 64),
               stream(2, 4, 64), stream(3, 4, 64, 1), stream(4, 5, 64)};
  return make_plan(std::move(g), cluster(1), {0, 0, 0, 0, 0, 0});
}

}  // namespace atl::sim::testing
