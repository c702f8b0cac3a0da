// The timing of one pass (cost/decode_cost.h's Pass) through a placed decoder graph: kernels in
// topological order, each starting when the first row of every input has arrived and ending no
// earlier than its last input row plus one row interval (dataflow streaming) and no earlier than
// its engine is free (kernels of one role on one board share it: DecodeModel); its off-chip reads
// queue on the board's one memory channel (peak x kOffchipEfficiency) and it emits its first row
// only once its weights (and KV rows) are read; a stream crossing the network adds hops x hop
// latency and serialises its rows on the producer's uplink and the consumer's downlink. The
// mapper's objective and `atoll simulate` of a decoder plan (sim/decode.h) both time passes with
// it. docs/simulation.md, "Decoders", states what it leaves out.
#pragma once

#include <cstdint>
#include <vector>

#include "cost/decode_cost.h"
#include "graph/graph.h"
#include "hw/cluster.h"

namespace atl::cost {

// What a pass needs of a plan, computed once: per kernel its decode cost and clock, per stream
// its alpha and per-row beta, per node its off-chip bandwidth, per kernel its engine.
struct DecodeModel {
  std::vector<DecodeKernelCost> kernels;
  // Kernels of one role with the same stages, board and memory placement cost the same: each
  // pass costs one of each class (cost_class[k] indexes the first kernel of k's class).
  std::vector<int> cost_class;
  std::vector<int> node_of_kernel;
  // A board has one engine per role: the kernels of a role on one board (its layers, and parts
  // or head groups placed together) share its logic and DSPs and run on it one after another;
  // each keeps its own weights and KV cache. engine_of_kernel[k] numbers (node, role) pairs.
  std::vector<int> engine_of_kernel;
  int engines = 0;
  std::vector<double> seconds_per_cycle;  // per kernel: 1 / its node's kernel clock
  std::vector<double> node_bytes_per_s;   // per node: offchip_bytes_per_s
  std::vector<int> order;                 // topological
  std::vector<std::vector<int>> inputs;   // per kernel: indices of its input streams
  std::vector<std::vector<int>> outputs;  // per kernel: its output streams
  std::vector<double> stream_alpha_s;     // per stream: hops x hop latency (0 on chip)
  std::vector<double> stream_row_s;       // per stream: one row on the wire or the on-chip switch
  std::vector<int> stream_hops;
};

// Errors: kernel_cost's; ErrorKind::invalid_input when `memory` is not one entry per kernel.
// `memory` empty: everything on chip. ideal_network: streams between nodes cost nothing.
// with_streams false: the kernels only (enough for node_use), no stream or order fields.
DecodeModel decode_model(const graph::Graph& graph, const hw::Cluster& cluster,
                         const std::vector<int>& node_of_kernel,
                         const std::vector<KernelMemory>& memory, bool ideal_network = false,
                         bool with_streams = true);

struct KernelSpan {
  double start_s = 0, first_out_s = 0, end_s = 0;
  double memory_end_s = 0;    // its off-chip reads done (0: none)
  bool memory_bound = false;  // the reads, not the pipeline, decided its first or last row
  int bound_by = -1;          // the input stream whose rows decided its start (-1: none)
};

struct StreamSpan {
  double first_s = 0, last_s = 0;  // first and last row at the consumer
};

struct PassTiming {
  double seconds = 0;  // first row in at the source to the last row at the sink
  std::vector<KernelSpan> kernels;
  std::vector<StreamSpan> streams;
};

PassTiming time_pass(const graph::Graph& graph, const DecodeModel& model, const Pass& pass);

// The chain of kernels and streams that decided the sink's last row, from the source on:
// (kernel index, stream index) pairs, stream -1 for the first kernel.
struct PathLink {
  int kernel = -1;
  int stream = -1;  // the stream into `kernel` on the path (-1: none)
};
std::vector<PathLink> critical_path(const graph::Graph& graph, const DecodeModel& model,
                                    const PassTiming& timing);

}  // namespace atl::cost
