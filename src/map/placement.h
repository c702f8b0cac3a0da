// Manual placement: which cluster node runs which kernel, written by a user like the <kernel>
// lists of a Galapagos MAPFILE, in YAML (or JSON, which YAML reads too):
//
//   placement:
//     fpga0: [l0.q, l0.k, l0.v]
//     fpga1: ["l0.h*"]          # '*' matches any run of characters
//
// or kernel by kernel (both maps may be given together):
//
//   kernels:
//     l0.ffn1: fpga3
//     "l0.ffn2*": fpga4
//
// Every kernel must be placed exactly once; source and sink (the host's ends) may be left out
// and then sit with the kernel they feed or are fed by.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "hw/cluster.h"

namespace atl::map {

// node_of_kernel (index into cluster.nodes) per graph kernel. Errors name the file, the node or
// pattern, and the kernels: unknown nodes, patterns matching no kernel, kernels placed twice,
// kernels not placed.
std::vector<int> load_placement(const std::filesystem::path& path, const graph::Graph& graph,
                                const hw::Cluster& cluster);

// The same from text (`where` names it in errors).
std::vector<int> parse_placement(const std::string& text, const std::string& where,
                                 const graph::Graph& graph, const hw::Cluster& cluster);

// Places source and sink kernels still at -1 next to their neighbour (see above).
void place_endpoints(const graph::Graph& graph, std::vector<int>& node_of_kernel);

// '*'-wildcard match of a whole name.
bool matches(const std::string& pattern, const std::string& name);

}  // namespace atl::map
