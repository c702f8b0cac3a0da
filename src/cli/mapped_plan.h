// A plan from the mapper's result: the one place where map/ (the search) meets plan/ (the
// hand-off, which does not depend on the mapper). Used by `atoll map`, `atoll demo` and the
// mapped projections of `atoll report`.
#pragma once

#include <optional>
#include <string>

#include "graph/sublayer.h"
#include "hw/cluster.h"
#include "map/mapper.h"
#include "plan/plan.h"

namespace atl::cli {

plan::Objective plan_objective(map::Objective objective);

// `grouping`: the Galapagos clusters of every layer (a config.json's); without one,
// map::choose_grouping picks the coarsest that fits the 8-bit kernel IDs, counted by the plan's
// own numbering (plan::number_galapagos).
plan::Plan mapped_plan(std::string model_config, map::Mapping mapping, hw::Cluster cluster,
                       plan::Objective objective,
                       std::optional<graph::Grouping> grouping = std::nullopt);

}  // namespace atl::cli
