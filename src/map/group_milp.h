// Kernel-to-FPGA assignment inside one pipeline group (a run of kernels given g > 1 FPGAs) as a
// MILP solved with COIN-OR CBC: binary x[k][b] = kernel k on FPGA b, continuous y[e] >= 1 when
// stream e is cut; minimise the bytes per token that cross FPGAs, subject to each FPGA's budget.
#pragma once

#include <vector>

#include "map/resources.h"

namespace atl::map {

struct GroupProblem {
  std::vector<std::vector<Resources>> demand;  // [fpga][kernel]: boards may differ
  std::vector<Resources> budget;               // per FPGA of the group
  struct Edge {
    int a, b;       // kernel indices within the group
    double weight;  // bytes per token
  };
  std::vector<Edge> edges;
};

// Cut weight of an assignment (FPGA per kernel).
double cut_weight(const GroupProblem& problem, const std::vector<int>& fpga_of);

// CBC's node limit for a group of `kernels` on `fpgas` FPGAs: 4,000 / (kernels x fpgas) nodes,
// between 20 and 2,000 (small groups finish; large ones, whose weak LP bound prunes little,
// stop early: docs/mapping.md, "Node budget").
int node_limit(int kernels, int fpgas);

// Best assignment CBC finds within node_limit nodes (deterministic: one thread, fixed seed, no
// time limit), starting from the feasible `start`; returns `start` when CBC finds nothing better.
std::vector<int> assign_group(const GroupProblem& problem, const std::vector<int>& start);

}  // namespace atl::map
