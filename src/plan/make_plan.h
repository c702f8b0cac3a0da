// A Plan from a placed graph: the Galapagos numbering for `grouping` (number_galapagos: throws
// core::Error, does_not_fit when a cluster needs more than 8-bit IDs, unsupported when Cluster
// Builder cannot express the graph or grouping), the legacy flat kernel IDs (8-bit when the
// kernels fit, wide beyond) and the estimate, in one place for `atoll map`, `atoll demo` and the
// report's projections. A decoder's graph gets no numbering (its grouping is ignored): Cluster
// Builder's rules are the encoder's.
#pragma once

#include <string>
#include <vector>

#include "cost/estimate.h"
#include "graph/graph.h"
#include "graph/sublayer.h"
#include "hw/cluster.h"
#include "plan/plan.h"

namespace atl::plan {

Plan make_plan(std::string model_config, graph::Graph graph, hw::Cluster cluster,
               std::vector<int> node_of_kernel, cost::Estimate estimate, Objective objective,
               graph::Grouping grouping = graph::single_cluster_grouping());

}  // namespace atl::plan
