// What the simulator checks before it allocates or runs anything: the plan (plan::validate and
// what that leaves to the simulator), the options, and the limits of sim.h (work, memory,
// simulated time), so that hostile input gets a clear error instead of an overflow, a huge
// allocation or a run without end.
#pragma once

#include <cstdint>

#include "plan/plan.h"
#include "sim/model.h"
#include "sim/network.h"
#include "sim/sim.h"

namespace atl::sim {

// plan::validate, then what it does not cover: every node's kernel_clock_mhz in (0, 10^6] (a
// cycle of at least the simulator's 1 ps), Options in range, and the work limit
// (kMaxKernelRows). Throws core::Error naming the field or option.
void check_simulation(const plan::Plan& plan, const Options& options);

// Throws does_not_fit unless a run of `rows` rows per kernel ends before kMaxTime and moves
// fewer than 2^62 bytes per link. The bound is every kernel, port and link duration of every row
// added up (a row's time is a chain of such durations, each used at most once), so no time or
// counter of the run can overflow.
void check_time(const plan::Plan& plan, const Network& net, const Model& model, std::int64_t rows);

// Throws does_not_fit when the FIFO rings, the latency run's record and the per-sequence times
// would take more than kMaxBufferBytes.
void check_memory(const plan::Plan& plan, const Model& model, const Options& options);

}  // namespace atl::sim
