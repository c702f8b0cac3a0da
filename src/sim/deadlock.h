// The error for a run that stopped making progress: no event left, rows still undelivered.
#pragma once

#include <cstdint>
#include <vector>

#include "core/error.h"
#include "graph/graph.h"
#include "sim/run_state.h"

namespace atl::sim {

// Names up to five kernels that still have rows to take, the row each is at and what it waits
// for (an input row or room downstream, on which stream).
core::Error deadlock_error(const graph::Graph& graph, const std::vector<KernelRun>& kernels,
                           std::int64_t total_rows, std::int64_t delivered, Picos now);

}  // namespace atl::sim
