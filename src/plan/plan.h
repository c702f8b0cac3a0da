// Plan: everything needed to run, simulate or build a mapped model, in one JSON file:
// the kernel graph (with its chosen knobs), the cluster, the kernel -> node placement, the
// Galapagos clusters and their numbering (plan/galapagos.h: every kernel's address and route),
// and the mapper's estimates.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cost/decode_cost.h"
#include "cost/estimate.h"
#include "graph/graph.h"
#include "hw/cluster.h"
#include "plan/galapagos.h"

namespace atl::plan {

using cost::Estimate;
using cost::NodeEstimate;

// What chose the placement: the automatic mapper for one objective, or a user (manual). ttft (time
// to first token) is a decoder's objective only.
enum class Objective { latency, throughput, manual, ttft };
const char* to_string(Objective objective);  // "latency" | "throughput" | "manual" | "ttft"
// The inverse of to_string; errors name `where` and list the choices.
Objective parse_objective(const std::string& text, const std::string& where);

struct Plan {
  std::string model_config;  // path or name of the model YAML it came from
  graph::Graph graph;
  hw::Cluster cluster;
  std::vector<int> node_of_kernel;  // per graph kernel: index into cluster.nodes
  // The grouping of sub-layers into Galapagos clusters and Cluster Builder's numbering of them
  // for this graph and placement (number_galapagos). Empty for a graph that is no encoder (the
  // simulator's toy graphs); make_plan and load_plan always fill it.
  Galapagos galapagos;
  Objective objective = Objective::latency;
  Estimate estimate;
  // Decoders: where each kernel keeps its weights and KV cache (one entry per kernel; empty:
  // everything on chip, as plans written before these fields), the mapper's tensor-parallel
  // degree and pipeline stages (0: not chosen by the decoder mapper) and the batch its
  // throughput objective was for.
  std::vector<cost::KernelMemory> memory;
  int tensor_parallel = 0, pipeline_stages = 0;
  std::int64_t batch = 1;
  friend bool operator==(const Plan&, const Plan&) = default;
};

// Throws core::Error naming `where` and the field, kernel or node unless the plan is coherent:
// valid graph, one placement per kernel, node indices in range, one estimate per node, no memory
// placement or one per kernel (off chip only where the kernel has weights or a cache), a
// Galapagos grouping (when numbered)
// that is a partition of the eight sub-layers. This is the structure every user of
// a plan needs (the simulator times toy graphs too); what the plan computes is checked by
// check_meaning (plan/check.h), which the file readers and writers and the software nodes add.
void validate(const Plan& plan, const std::string& where);

// Both validate and check_meaning; errors name the file and the JSON path.
void save_plan(const Plan& plan, const std::filesystem::path& path);
Plan load_plan(const std::filesystem::path& path);

}  // namespace atl::plan
