// A plan from the mapper's result: the one place where map/ (the search) meets plan/ (the
// hand-off, which does not depend on the mapper). Used by `atoll map`, `atoll demo` and the
// mapped projections of `atoll report`.
#pragma once

#include <string>

#include "hw/cluster.h"
#include "map/mapper.h"
#include "plan/plan.h"

namespace atl::cli {

plan::Objective plan_objective(map::Objective objective);

plan::Plan mapped_plan(std::string model_config, map::Mapping mapping, hw::Cluster cluster,
                       plan::Objective objective);

}  // namespace atl::cli
