// The critical path of the latency run: walking back from the sink's last row of sequence 0
// along the constraint that was satisfied last at every accept (the previous row of the same
// kernel or its output port, an input row and the transfer that brought it, or the consumer
// freeing room); consecutive rows of a kernel merge into one step.
#pragma once

#include <vector>

#include "graph/graph.h"
#include "sim/model.h"
#include "sim/network.h"
#include "sim/run_state.h"
#include "sim/sim.h"

namespace atl::sim {

// The steps in time order, from a recorded run of one sequence.
std::vector<PathStep> critical_path(const graph::Graph& graph, const Network& net,
                                    const Model& model, const Recording& recording);

}  // namespace atl::sim
