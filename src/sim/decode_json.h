// A DecodeResult as JSON (`atoll simulate --prompt N --new-tokens M --json F`): milliseconds and
// microseconds as doubles, every decode step's position and latency.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "sim/decode_result.h"

namespace atl::sim {

nlohmann::json to_json(const DecodeResult& result);

const char* to_string(DecodePathStep::Kind kind);  // "kernel" | "stream"

}  // namespace atl::sim
