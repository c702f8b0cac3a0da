// Plan: everything needed to run, simulate or build a mapped model, in one JSON file:
// the kernel graph (with its chosen knobs), the cluster, the kernel -> node placement, the
// Galapagos clusters and their numbering (plan/galapagos.h), the legacy flat kernel IDs and
// routing table, and the mapper's estimates.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "cost/estimate.h"
#include "graph/graph.h"
#include "hw/cluster.h"
#include "plan/galapagos.h"

namespace atl::plan {

using cost::Estimate;
using cost::NodeEstimate;

// What chose the placement: the automatic mapper for one objective, or a user (manual).
enum class Objective { latency, throughput, manual };
const char* to_string(Objective objective);  // "latency" | "throughput" | "manual"
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
  // Legacy flat IDs, kept until the software nodes route by `galapagos`.
  std::vector<std::uint32_t> kernel_id;  // per graph kernel: Galapagos ID (8-bit in compat mode)
  bool galapagos_compatible_ids = true;  // all IDs < 256
  Objective objective = Objective::latency;
  Estimate estimate;
  friend bool operator==(const Plan&, const Plan&) = default;
};

// Galapagos kernel IDs: consecutive from 1 in graph order (the Galapagos middleware requires
// consecutive IDs; 0 is the GMI node of every cluster, reference-system.md §1.3, §1.8). With
// `galapagos_compatible` the IDs must fit the 8-bit TDEST, so at most 255 kernels; otherwise
// wider IDs serve clusters with more kernels (atoll's own router is not limited to 8 bits).
std::vector<std::uint32_t> assign_kernel_ids(const graph::Graph& graph, bool galapagos_compatible);

// Routing table shared by every node's router: entry [id] = index of the node that holds kernel
// `id`; entry 0 (the GMI node, present on every node) is -1.
std::vector<int> routing_table(const Plan& plan);

// Throws core::Error naming `where` and the field, kernel or node unless the plan is coherent:
// valid graph, one placement and one ID per kernel, node indices in range, IDs consecutive from 1
// and below 256 in compatible mode, one estimate per node, a Galapagos grouping (when numbered)
// that is a partition of the eight sub-layers. This is the structure every user of
// a plan needs (the simulator times toy graphs too); what the plan computes is checked by
// check_meaning (plan/check.h), which the file readers and writers and the software nodes add.
void validate(const Plan& plan, const std::string& where);

// Both validate and check_meaning; errors name the file and the JSON path.
void save_plan(const Plan& plan, const std::filesystem::path& path);
Plan load_plan(const std::filesystem::path& path);

}  // namespace atl::plan
