// A Plan as JSON (nlohmann-json). The file is the hand-off between `atoll map` and everything
// downstream (run, simulate, build), so it is self-contained: the cluster carries every device
// figure it was mapped with, not just board names. Output is byte-identical for equal plans:
// arrays keep graph/cluster order, object keys are sorted, doubles print in the shortest form
// that reads back to the same value.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "plan/plan.h"

namespace atl::plan {

nlohmann::json to_json(const Plan& plan);
// Validates every field and cross-reference; errors name `where`, the field and the kernel/node.
Plan plan_from_json(const nlohmann::json& j, const std::string& where);

// The exact text save_plan writes (used to compare plans byte for byte).
std::string plan_text(const Plan& plan);

}  // namespace atl::plan
