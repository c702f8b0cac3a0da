// The routing table every node's router shares, from the plan's Galapagos numbering: which node
// holds kernel (cluster, ID). A Galapagos router holds one such table per FPGA, indexed by the
// 8-bit TDEST (reference-system.md §1.3); the software nodes serve every cluster of a plan, so
// theirs is indexed by cluster too. Virtual kernels live on their kernel 0's node; the host (the
// input's producer and the output's consumer) lives on one node for all its IDs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "plan/galapagos.h"

namespace atl::platform {

struct RoutingTable {
  std::vector<std::vector<int>> node;  // [cluster][id] -> node index, -1: no such kernel
  int host_node = -1;                  // the node that drains the output, -1: none
};

// Throws core::Error when `a` already has a node or `node` is negative.
void add_route(RoutingTable& table, plan::GalapagosAddress a, int node);

// The node holding `a`, or -1 when the table has no such kernel.
int node_of(const RoutingTable& table, plan::GalapagosAddress a);

// "cluster 1 ID 34", "the host"; for errors.
std::string to_string(plan::GalapagosAddress a);

}  // namespace atl::platform
