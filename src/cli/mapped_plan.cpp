#include "cli/mapped_plan.h"

#include <algorithm>
#include <utility>

#include "map/grouping.h"
#include "plan/galapagos.h"
#include "plan/make_plan.h"

namespace atl::cli {

plan::Objective plan_objective(map::Objective objective) {
  return objective == map::Objective::latency ? plan::Objective::latency
                                              : plan::Objective::throughput;
}

plan::Plan mapped_plan(std::string model_config, map::Mapping mapping, hw::Cluster cluster,
                       plan::Objective objective, std::optional<graph::Grouping> grouping) {
  if (!grouping) {
    grouping = map::choose_grouping([&](const graph::Grouping& g) {
      std::size_t most = 0;
      for (const plan::GalapagosCluster& c :
           plan::number_galapagos(mapping.graph, g, mapping.node_of_kernel).clusters) {
        most = std::max<std::size_t>(most, c.kernels.back().id + 1);
      }
      return most;
    });
  }
  return plan::make_plan(std::move(model_config), std::move(mapping.graph), std::move(cluster),
                         std::move(mapping.node_of_kernel), std::move(mapping.estimate), objective,
                         std::move(*grouping));
}

}  // namespace atl::cli
