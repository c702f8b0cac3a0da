// A Graph as JSON (nlohmann-json): the machine form used inside plans and by `--graph` files.
// Loading validates the graph; errors name the file (or `where`) and the field. Every integer is
// read with its real range: the model shape within model/config.h's limits, layer and head within
// the shape, knobs in [1, kMaxKnob], ports 0 or 1.
#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "graph/graph.h"

namespace atl::graph {

// The largest tile, pe or unroll knob a graph or a Cluster Builder config may give: a linear of
// pe 4096 alone needs 131072 DSPs (two 8-bit MACs per DSP), more than any FPGA has, and every
// resource and cycle formula stays far from overflow.
inline constexpr int kMaxKnob = 4096;

nlohmann::json to_json(const Graph& graph);
Graph graph_from_json(const nlohmann::json& j, const std::string& where);

void save_graph(const Graph& graph, const std::filesystem::path& path);
Graph load_graph(const std::filesystem::path& path);

}  // namespace atl::graph
