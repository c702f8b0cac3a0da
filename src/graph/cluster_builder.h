// Import of a Cluster Builder config.json (reference-system.md §1.8), so users of that tool can
// bring their configurations: model shape + per-sub-layer knobs -> ModelConfig + SublayerKnobs.
#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "graph/encoder.h"
#include "model/config.h"

namespace atl::graph {

struct ClusterBuilderConfig {
  model::ModelConfig model;
  SublayerKnobs knobs;
  std::string board;  // "board" of the first sub-layer, e.g. "sidewinder"
  std::string part;   // "part" of the first sub-layer, e.g. "xczu19eg-ffvc1760-2-i"
};

// Reads a config.json; errors name the file and the field (e.g.
// "attention_0.config[1].dim.unroll").
ClusterBuilderConfig load_cluster_builder_config(const std::filesystem::path& path);
// The same from parsed JSON; `path` names it in errors, its stem names the model.
ClusterBuilderConfig cluster_builder_config_from_json(const nlohmann::json& j,
                                                      const std::filesystem::path& path);

// load_cluster_builder_config + build_encoder_graph.
Graph import_cluster_builder(const std::filesystem::path& path);

}  // namespace atl::graph
