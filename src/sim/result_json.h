// A simulation Result as JSON (the `atoll simulate -o sim.json` file): times in microseconds
// (doubles, for people and plots) next to the exact integer picoseconds they came from.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "sim/sim.h"

namespace atl::sim {

nlohmann::json to_json(const Result& result);

// "kernel", "stream" or "link": the critical path's step kinds as the JSON and reports name them.
const char* to_string(StepKind kind);

}  // namespace atl::sim
