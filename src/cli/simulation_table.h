// Printing a simulation result beside the plan's analytic estimate (`atoll simulate`, `demo`).
#pragma once

#include "plan/plan.h"
#include "sim/decode_result.h"
#include "sim/sim.h"

namespace atl::cli {

// Latency and throughput against the analytic estimate, a one-line summary of the critical path
// (its steps by kind and the three longest; sim::to_json has the whole path), the event count.
void print_simulation(const plan::Plan& plan, const sim::Result& r);

// A decoder's generation: time to first token, per-token latency at a few positions (first, a
// quarter, half, three quarters, last), tokens/s, energy per token, where the bytes live, and
// the critical path of the last decode step (its kinds, the three longest steps).
void print_decoder_simulation(const sim::DecodeResult& r);

}  // namespace atl::cli
