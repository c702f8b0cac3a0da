#include "graph/cluster_builder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace atl::graph {
namespace {

const std::filesystem::path kConfig =
    std::filesystem::path(ATOLL_SOURCE_DIR) / "tests/graph/data/cluster_builder_config.json";

TEST(ClusterBuilder, PublishedConfigEqualsDefaults) {
  const ClusterBuilderConfig cb = load_cluster_builder_config(kConfig);
  EXPECT_EQ(cb.knobs, SublayerKnobs{});
  EXPECT_EQ(cb.model.layers, 12);
  EXPECT_EQ(cb.model.hidden, 768);
  EXPECT_EQ(cb.model.heads, 12);
  EXPECT_EQ(cb.model.intermediate, 3072);
  EXPECT_EQ(cb.model.seq_len, 128);
  EXPECT_EQ(cb.board, "sidewinder");
  EXPECT_EQ(cb.part, "xczu19eg-ffvc1760-2-i");

  model::ModelConfig c;
  c.name = cb.model.name;
  EXPECT_EQ(import_cluster_builder(kConfig), build_encoder_graph(c));
}

// Writes an edited copy of the published config and returns the import's error message.
std::string error_after(const std::function<void(nlohmann::json&)>& edit) {
  std::ifstream in(kConfig);
  nlohmann::json j = nlohmann::json::parse(in);
  edit(j);
  const auto path = std::filesystem::temp_directory_path() / "atoll_cb_config.json";
  std::ofstream(path) << j.dump();
  try {
    load_cluster_builder_config(path);
  } catch (const core::Error& e) {
    std::filesystem::remove(path);
    std::string msg = e.what();
    return msg.substr(msg.find(':') + 2);  // drop the temporary path
  }
  std::filesystem::remove(path);
  return "";
}

TEST(ClusterBuilder, EditedKnobsAndErrors) {
  std::ifstream in(kConfig);
  nlohmann::json j = nlohmann::json::parse(in);
  j["intermediate_0"]["partition"] = 2;
  j["intermediate_0"]["config"][0]["dim"]["pe"] = 6;
  const auto path = std::filesystem::temp_directory_path() / "atoll_cb_edit.json";
  std::ofstream(path) << j.dump();
  const ClusterBuilderConfig cb = load_cluster_builder_config(path);
  std::filesystem::remove(path);
  EXPECT_EQ(cb.knobs.ffn1.partition, 2);
  EXPECT_EQ(cb.knobs.ffn1.stages[0], (Knobs{4, 6, 1}));

  EXPECT_EQ(error_after([](auto& j) { j["attention_1"]["config"][1]["dim"].erase("unroll"); }),
            "attention_1.config[1].dim: missing field 'unroll'");
  EXPECT_EQ(error_after([](auto& j) { j["attention_0"]["config"][0]["dim"]["tile"] = "2"; }),
            "attention_0.config[0].dim.tile: expected a positive integer, got \"2\"");
  EXPECT_EQ(error_after([](auto& j) { j.erase("intermediate_output_1"); }),
            "missing field 'intermediate_output_1'");
  EXPECT_EQ(error_after([](auto& j) { j["intermediate_0"]["config"][0]["dim"]["M"] = 1024; }),
            "intermediate_0.config[0].dim: M=1024 K=768 but the model gives M=3072 K=768");
  EXPECT_EQ(
      error_after([](auto& j) { j["attention_2"]["config"][0]["name"] = "gelu"; }),
      "attention_2.config[0]: stage 'gelu' is not part of a context kernel (or out of order)");
}

}  // namespace
}  // namespace atl::graph
