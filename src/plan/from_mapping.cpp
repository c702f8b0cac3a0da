#include "plan/from_mapping.h"

#include <utility>

namespace atl::plan {

Plan from_mapping(std::string model_config, map::Mapping mapping, hw::Cluster cluster,
                  std::string objective) {
  Plan p;
  p.model_config = std::move(model_config);
  p.graph = std::move(mapping.graph);
  p.cluster = std::move(cluster);
  p.node_of_kernel = std::move(mapping.node_of_kernel);
  p.galapagos_compatible_ids = p.graph.kernels.size() <= 255;
  p.kernel_id = assign_kernel_ids(p.graph, p.galapagos_compatible_ids);
  p.objective = std::move(objective);
  p.estimate = mapping.estimate;
  return p;
}

}  // namespace atl::plan
