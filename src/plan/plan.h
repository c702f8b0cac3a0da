// Plan: everything needed to run, simulate or build a mapped model, in one JSON file:
// the kernel graph (with its chosen knobs), the cluster, the kernel -> node placement, the
// Galapagos kernel IDs, the routing table and the mapper's estimates.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "hw/cluster.h"

namespace atl::plan {

struct NodeEstimate {
  std::int64_t dsp = 0, lut = 0, ff = 0, bram_bytes = 0, uram_bytes = 0;
  double cycles_per_token = 0;  // of the slowest kernel on the node
};

struct Estimate {
  double latency_us = 0;             // one sequence, analytic
  double throughput_seq_per_s = 0;   // steady state, analytic
  std::vector<NodeEstimate> nodes;   // per cluster node
};

struct Plan {
  std::string model_config;              // path or name of the model YAML it came from
  graph::Graph graph;
  hw::Cluster cluster;
  std::vector<int> node_of_kernel;       // per graph kernel: index into cluster.nodes
  std::vector<std::uint32_t> kernel_id;  // per graph kernel: Galapagos ID (8-bit in compat mode)
  bool galapagos_compatible_ids = true;  // all IDs < 256
  std::string objective = "latency";     // "latency" | "throughput" | "manual"
  Estimate estimate;
};

// Routing table of one node: kernel ID -> node index (the Galapagos router's table).
std::vector<int> routing_table(const Plan& plan);

void save_plan(const Plan& plan, const std::filesystem::path& path);
Plan load_plan(const std::filesystem::path& path);  // validates; errors name the field

}  // namespace atl::plan
