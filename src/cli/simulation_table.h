// Printing a simulation result beside the plan's analytic estimate (`atoll simulate`, `demo`).
#pragma once

#include "plan/plan.h"
#include "sim/sim.h"

namespace atl::cli {

// Latency and throughput against the analytic estimate, a one-line summary of the critical path
// (its steps by kind and the three longest; sim::to_json has the whole path), the event count.
void print_simulation(const plan::Plan& plan, const sim::Result& r);

}  // namespace atl::cli
