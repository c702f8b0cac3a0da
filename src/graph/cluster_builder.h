// Import of a Cluster Builder config.json (reference-system.md §1.8), so users of that tool can
// bring their configurations: model shape + per-sub-layer knobs + the "cluster" grouping ->
// ModelConfig + the ibert-encoder knobs + Grouping, and the fields atoll reads but does not use.
#pragma once

#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "graph/arch_ibert.h"
#include "graph/sublayer.h"
#include "model/config.h"

namespace atl::graph {

// A field of the file that atoll does not act on, and why.
struct IgnoredField {
  std::string field;   // e.g. "board", "num_build_thread", "attention_0.config[0].cluster"
  std::string value;   // as written (strings without quotes; distinct values comma-separated)
  std::string reason;  // e.g. "the cluster YAML names each node's device"
  friend bool operator==(const IgnoredField&, const IgnoredField&) = default;
};

struct ClusterBuilderConfig {
  model::ModelConfig model;
  KnobMap knobs = ibert::default_knobs();
  Grouping grouping;  // "cluster": the sub-layers of each Galapagos cluster, validated
  std::string board;  // "board" of the first sub-layer, e.g. "sidewinder"
  std::string part;   // "part" of the first sub-layer, e.g. "xczu19eg-ffvc1760-2-i"
  // In file order: board, part, num_build_thread, then any field Cluster Builder does not know
  // (a stage's "cluster", unknown keys). num_hidden_layers is read into `model`; whether it is
  // used is the caller's business (`atoll map` maps the model YAML's layers).
  std::vector<IgnoredField> ignored;
};

// Reads a config.json; errors name the file and the field (e.g.
// "attention_0.config[1].dim.unroll", "cluster[0][2]").
ClusterBuilderConfig load_cluster_builder_config(const std::filesystem::path& path);
// The same from parsed JSON; `path` names it in errors, its stem names the model.
ClusterBuilderConfig cluster_builder_config_from_json(const nlohmann::json& j,
                                                      const std::filesystem::path& path);

// load_cluster_builder_config + build_graph.
Graph import_cluster_builder(const std::filesystem::path& path);

}  // namespace atl::graph
