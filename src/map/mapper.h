// The mapper: from a model and a cluster to placed kernels with knobs, automatically or from a
// user's placement. It knows no architecture: the model's builder (graph/architecture.h) offers
// the roles, their split dimensions and default knobs, and builds the graph for the knobs the
// search picks. The automatic search is:
//   1. KnobSearch lists the rates (cycles per token) the kernels can reach on the cluster's board;
//   2. binary search for the fastest rate whose cheapest knobs still pack onto the cluster
//      (pipeline cuts by dynamic programming, pipeline.h);
//   3. among that rate and the next few slower ones, pick the best by the objective (analytic
//      cost/estimate.h), then refine the assignment inside multi-FPGA groups with the CBC MILP.
// Same inputs, same result: no clocks, threads or unordered containers decide anything.
#pragma once

#include <string>
#include <vector>

#include "cost/estimate.h"
#include "graph/architecture.h"
#include "graph/graph.h"
#include "hw/cluster.h"
#include "map/resources.h"
#include "model/config.h"

namespace atl::map {

enum class Objective { latency, throughput };
Objective parse_objective(const std::string& text);  // "latency" | "throughput"
const char* to_string(Objective objective);

struct Mapping {
  graph::Graph graph;               // with the chosen knobs
  std::vector<int> node_of_kernel;  // per graph kernel, index into cluster.nodes
  cost::Estimate estimate;
};

// Chooses knobs and placement. Throws core::Error of ErrorKind::does_not_fit when the model cannot
// fit, naming the resource that runs out, by how much, and the smallest cluster of the same board
// that would hold it. Knobs the cost model rejects as unbuildable (ErrorKind::unsupported) are
// skipped during the search; every other error goes through.
Mapping map_automatic(const model::ModelConfig& config, const hw::Cluster& cluster,
                      Objective objective, const Caps& caps = {});

// Given knobs (e.g. the published Cluster Builder config), places automatically; knobs the first
// board cannot build are the cost model's error, a placement that does not fit is does_not_fit.
Mapping map_with_knobs(const model::ModelConfig& config, const graph::KnobMap& knobs,
                       const hw::Cluster& cluster, const Caps& caps = {});

// A user's placement of `graph`: checks that no node exceeds its device (100%: caps are the
// automatic mapper's safety margin, a user may choose to go past them; else does_not_fit) and
// estimates it.
Mapping map_manual(graph::Graph graph, const hw::Cluster& cluster, std::vector<int> node_of_kernel);

}  // namespace atl::map
