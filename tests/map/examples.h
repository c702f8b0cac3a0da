// Shared by the map tests: the shipped example models and clusters of boards.
#pragma once

#include <filesystem>
#include <string>

#include "hw/cluster.h"
#include "hw/device.h"
#include "model/config.h"

namespace atl::map::testing {

inline const std::filesystem::path kRoot = ATOLL_SOURCE_DIR;

inline model::ModelConfig base_one_layer() {
  return model::load_model_config(kRoot / "examples/models/ibert-base-1layer.yaml");
}

inline model::ModelConfig stories() {
  return model::load_model_config(kRoot / "examples/models/stories260K.yaml", model::Accept::any);
}

// `count` catalogue boards named fpga0, fpga1, ... on the network of the six-board example.
inline hw::Cluster boards(const std::string& board, int count) {
  static const hw::Catalogue catalogue = hw::load_catalogue(hw::default_catalogue_dir());
  hw::Cluster c = hw::load_cluster(kRoot / "examples/clusters/sidewinder-6.yaml", catalogue);
  c.nodes.assign(count, hw::Node{"", catalogue.at(board)});
  for (int i = 0; i < count; ++i) c.nodes[i].name = "fpga" + std::to_string(i);
  return c;
}

// The six-board example's first node, `count` times.
inline hw::Cluster sidewinders(int count) {
  static const hw::Catalogue catalogue = hw::load_catalogue(hw::default_catalogue_dir());
  hw::Cluster c = hw::load_cluster(kRoot / "examples/clusters/sidewinder-6.yaml", catalogue);
  c.nodes.resize(count, c.nodes[0]);
  for (int i = 0; i < count; ++i) c.nodes[i].name = "fpga" + std::to_string(i);
  return c;
}

}  // namespace atl::map::testing
