// A Graph as JSON (nlohmann-json): the machine form used inside plans and by `--graph` files.
// Loading validates the graph; errors name the file (or `where`) and the field.
#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "graph/graph.h"

namespace atl::graph {

nlohmann::json to_json(const Graph& graph);
Graph graph_from_json(const nlohmann::json& j, const std::string& where);

void save_graph(const Graph& graph, const std::filesystem::path& path);
Graph load_graph(const std::filesystem::path& path);

}  // namespace atl::graph
