// A Plan from a placed graph: kernel IDs (Galapagos' 8-bit IDs when the kernels fit in them, wide
// IDs beyond) and the estimate, in one place for `atoll map`, `atoll demo` and the report's
// projections.
#pragma once

#include <string>
#include <vector>

#include "cost/estimate.h"
#include "graph/graph.h"
#include "hw/cluster.h"
#include "plan/plan.h"

namespace atl::plan {

Plan make_plan(std::string model_config, graph::Graph graph, hw::Cluster cluster,
               std::vector<int> node_of_kernel, cost::Estimate estimate, Objective objective);

}  // namespace atl::plan
