// Pipeline cuts: kernels in topological order are cut into contiguous groups, and each group goes
// onto the next g (1..3) FPGAs of the cluster, in node order. Dynamic programming over (kernels
// placed, FPGAs used) finds the cut with the fewest FPGAs and, among those, the fewest bytes per
// token crossing FPGAs. Inside a group a first-fit pass gives a feasible assignment, which the
// CBC MILP (group_milp.h) then improves.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "hw/cluster.h"
#include "map/resources.h"

namespace atl::map {

struct PipelinePlacement {
  std::vector<int> node_of_kernel;  // per graph kernel
  int nodes_used = 0;
  double cut_bytes_per_token = 0;  // sum over streams whose ends sit on different FPGAs
};

// What each kernel needs on each board of the cluster: demand.at(board name)[kernel].
using Demand = std::map<std::string, std::vector<Resources>>;

// Each node may use budget(node.device, caps). `refine` runs the MILP
// on groups of more than one FPGA (the search leaves it off while probing). nullopt when the
// kernels do not fit on the cluster's nodes.
std::optional<PipelinePlacement> place_pipeline(const graph::Graph& graph, const Demand& demand,
                                                const hw::Cluster& cluster, const Caps& caps,
                                                bool refine);

}  // namespace atl::map
