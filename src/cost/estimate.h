// Analytic estimate of a placed graph: resources per FPGA, latency of one sequence and steady-state
// throughput. It is the mapper's objective function and the estimate a plan carries; it depends
// on the graph, the cluster and a placement only, never on the mapper that chose them. It is
// cheap (one pass over the graph)
// and exact about what it models: kernel pipelines at II=1, whole-sequence barriers of the
// attention kernels, and alpha-beta network transfers. Contention inside the switch is not
// modelled; sim/ does that.
#pragma once

#include <cstdint>
#include <vector>

#include "cost/cost.h"
#include "graph/graph.h"
#include "hw/cluster.h"
#include "hw/resources.h"

namespace atl::cost {

struct NodeEstimate {
  hw::Resources resources;      // sums over the node's kernels
  double cycles_per_token = 0;  // of the slowest kernel on the node
  friend bool operator==(const NodeEstimate&, const NodeEstimate&) = default;
};

struct Estimate {
  double latency_us = 0;            // one sequence, analytic
  double throughput_seq_per_s = 0;  // steady state, analytic
  std::vector<NodeEstimate> nodes;  // per cluster node
  friend bool operator==(const Estimate&, const Estimate&) = default;
};

// Costs every kernel of `graph` on the device of the node it is placed on (source and sink, the
// host's ends, cost nothing). Errors are kernel_cost's.
std::vector<KernelCost> kernel_costs(const graph::Graph& graph, const hw::Cluster& cluster,
                                     const std::vector<int>& node_of_kernel);

// Latency: kernels are visited in topological order; a kernel emits its first row `fill +
// cycles_per_token` after its first complete input row (all ports; attention/context wait for
// the LAST row on port 1, the whole K or V), and its last row no earlier than one row interval
// after its last input row; between them its rows come at the pace of the slowest kernel it is
// joined to by bounded FIFOs (everything but second operands and the inputs of attention and
// context, which buffer whole sequences). A stream that crosses the network adds hops * hop latency
// (alpha) and serialises rows at the link rate (beta), sharing its nodes' up- and downlinks with
// every other remote stream of those nodes. Throughput: one sequence per max over kernels of
// seq_len * cycles_per_token and over node links of the wire time of what leaves or enters it.
Estimate estimate(const graph::Graph& graph, const hw::Cluster& cluster,
                  const std::vector<int>& node_of_kernel);

// Throws core::Error of ErrorKind::does_not_fit, naming the node, the resource and both amounts,
// when a node's kernels use more than its whole device (100%: the mapper's caps are its own
// safety margin; a user's placement may go past them).
void check_fits(const Estimate& estimate, const hw::Cluster& cluster);

}  // namespace atl::cost
