#include "cli/mapped_plan.h"

#include <utility>

#include "plan/make_plan.h"

namespace atl::cli {

plan::Objective plan_objective(map::Objective objective) {
  return objective == map::Objective::latency ? plan::Objective::latency
                                              : plan::Objective::throughput;
}

plan::Plan mapped_plan(std::string model_config, map::Mapping mapping, hw::Cluster cluster,
                       plan::Objective objective) {
  return plan::make_plan(std::move(model_config), std::move(mapping.graph), std::move(cluster),
                         std::move(mapping.node_of_kernel), std::move(mapping.estimate), objective);
}

}  // namespace atl::cli
