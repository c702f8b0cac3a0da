// Cost model: what a kernel of the graph costs on a device (DSPs, on-chip memory, LUT/FF, cycles
// per token, pipeline fill) and what a stream costs on the network (bytes, packets, flits,
// alpha-beta time per hop). Every formula and constant is explained in docs/cost-model.md.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/graph.h"
#include "hw/cluster.h"
#include "hw/device.h"
#include "hw/resources.h"

namespace atl::cost {

struct StageCost {
  graph::StageType type = graph::StageType::linear;
  std::int64_t cycles_per_token = 0;  // II=1 pipeline: cycles to consume one token row
  std::int64_t fill_cycles = 0;       // pipeline depth: first input to first output
  hw::Resources resources;            // memories: weights, tables and buffers
};

struct KernelCost {
  std::vector<StageCost> stages;
  hw::Resources resources;            // sums over stages + the kernel's stream glue
  std::int64_t weight_bytes = 0;      // linear weights (int8) + biases (int32)
  std::int64_t cycles_per_token = 0;  // max over the pipelined stages (the kernel's rate)
  std::int64_t fill_cycles = 0;       // sum of stage fills (latency of the first row)
  // Attention/context kernels buffer a whole sequence of K (or V) on port 1 before their first
  // output row; a latency model must wait for the producer's last row on that port.
  bool waits_for_port1_sequence = false;
};

// The cost model's limits: every knob (tile, pe, unroll) at most kMaxKnob and every stage
// dimension (m, k) at most kMaxDimension, so that no product of the formulas leaves int64 (the
// largest, m x k weight bytes, stays below 2^49). Larger values are not a design any FPGA holds.
inline constexpr std::int64_t kMaxKnob = std::int64_t{1} << 16;
inline constexpr std::int64_t kMaxDimension = std::int64_t{1} << 24;

// Costs one kernel on `device`. Errors name the kernel, the stage and the field:
//   ErrorKind::invalid_input  a knob or dimension below 1 (a malformed graph);
//   ErrorKind::unsupported    a knob or dimension above the limits: hardware atoll cannot build.
// Whether the kernel fits the device is the caller's question (hw::fits, the mapper), which
// answers with ErrorKind::does_not_fit.
KernelCost kernel_cost(const graph::Kernel& kernel, const hw::Device& device);

// Cycles for one sequence of `seq_len` token rows through the kernel on its own:
// fill + seq_len * cycles_per_token (ErrorKind::unsupported if that leaves int64).
std::int64_t sequence_cycles(const KernelCost& cost, std::int64_t seq_len);

struct StreamCost {
  std::int64_t payload_bytes_per_token = 0;  // the stream's bytes_per_token
  std::int64_t packets_per_token = 0;        // one packet per row, split so none exceeds the MTU
  std::int64_t flits_per_token = 0;          // 64-B payload flits + one bridge header per packet
  std::int64_t wire_bytes_per_token = 0;     // flits * 64 + Ethernet/IP/UDP framing per packet
  std::int64_t message_header_flits = 1;     // once per message (sequence): N rows etc.
  double seconds_per_token = 0;              // beta: wire bytes / link bandwidth (0 on chip)
  double latency_s = 0;                      // alpha: hops * per-hop latency
  // One sequence of `graph.seq_len` rows: latency_s + (rows * wire bytes + header) / bandwidth.
  double sequence_s = 0;
  std::int64_t on_chip_cycles_per_token = 0;  // hops == 0: flits through the on-chip switch
};

// Costs one stream crossing `hops` network hops (0 = both ends on the same FPGA).
StreamCost stream_cost(const graph::Stream& stream, const graph::Graph& graph,
                       const hw::Network& network, int hops);

// (Hop counts between nodes come from hw::hops(cluster, a, b).)

}  // namespace atl::cost
