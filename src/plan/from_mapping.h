// Turning a mapper result into a Plan: kernel IDs (Galapagos' 8-bit IDs when the kernels fit in
// them, wide IDs beyond) and the estimate, in one place for `atoll map` and `atoll demo`.
#pragma once

#include <string>

#include "hw/cluster.h"
#include "map/mapper.h"
#include "plan/plan.h"

namespace atl::plan {

Plan from_mapping(std::string model_config, map::Mapping mapping, hw::Cluster cluster,
                  std::string objective);

}  // namespace atl::plan
