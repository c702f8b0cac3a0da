#include "plan/make_plan.h"

#include <utility>

namespace atl::plan {

Plan make_plan(std::string model_config, graph::Graph graph, hw::Cluster cluster,
               std::vector<int> node_of_kernel, cost::Estimate estimate, Objective objective,
               graph::Grouping grouping) {
  Plan p;
  p.model_config = std::move(model_config);
  p.graph = std::move(graph);
  p.cluster = std::move(cluster);
  p.node_of_kernel = std::move(node_of_kernel);
  // Cluster Builder's numbering is the encoder's; a decoder plan has none yet (issue 13).
  if (p.graph.architecture == model::Architecture::ibert_encoder) {
    p.galapagos = number_galapagos(p.graph, grouping, p.node_of_kernel);
  }
  p.objective = objective;
  p.estimate = std::move(estimate);
  return p;
}

}  // namespace atl::plan
