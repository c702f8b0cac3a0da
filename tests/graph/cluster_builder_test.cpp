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
  EXPECT_EQ(cb.knobs, ibert::default_knobs());
  EXPECT_EQ(cb.model.layers, 12);
  EXPECT_EQ(cb.model.hidden, 768);
  EXPECT_EQ(cb.model.heads, 12);
  EXPECT_EQ(cb.model.intermediate, 3072);
  EXPECT_EQ(cb.model.seq_len, 128);
  EXPECT_EQ(cb.board, "sidewinder");
  EXPECT_EQ(cb.part, "xczu19eg-ffvc1760-2-i");
  EXPECT_EQ(cb.grouping, single_cluster_grouping());
  const std::vector<IgnoredField> ignored{
      {"board", "sidewinder", "atoll places on the devices of --cluster"},
      {"part", "xczu19eg-ffvc1760-2-i", "atoll places on the devices of --cluster"},
      {"num_build_thread", "2", "threads for Vivado HLS builds, which atoll does not run"},
  };
  EXPECT_EQ(cb.ignored, ignored);

  model::ModelConfig c;
  c.name = cb.model.name;
  EXPECT_EQ(import_cluster_builder(kConfig), build_graph(c));
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
  EXPECT_EQ(cb.knobs[ibert::ffn1].partition, 2);
  EXPECT_EQ(cb.knobs[ibert::ffn1].stages[0], (Knobs{4, 6, 1}));

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

// Loads an edited copy of the published config.
ClusterBuilderConfig load_edited(const std::function<void(nlohmann::json&)>& edit) {
  std::ifstream in(kConfig);
  nlohmann::json j = nlohmann::json::parse(in);
  edit(j);
  const auto path = std::filesystem::temp_directory_path() / "atoll_cb_edited.json";
  std::ofstream(path) << j.dump();
  ClusterBuilderConfig cb = load_cluster_builder_config(path);
  std::filesystem::remove(path);
  return cb;
}

TEST(ClusterBuilder, ReadsTheClusterGroupingInFileOrder) {
  const ClusterBuilderConfig cb = load_edited([](auto& j) {
    j["cluster"] = {{"attention_0", "attention_1", "attention_2"},
                    {"attention_output_1", "attention_output_0"},
                    {"intermediate_0", "intermediate_output_0", "intermediate_output_1"}};
  });
  const Grouping want{
      {Sublayer::attention_0, Sublayer::attention_1, Sublayer::attention_2},
      {Sublayer::attention_output_1, Sublayer::attention_output_0},
      {Sublayer::intermediate_0, Sublayer::intermediate_output_0, Sublayer::intermediate_output_1}};
  EXPECT_EQ(cb.grouping, want);
}

TEST(ClusterBuilder, GroupingThatIsNotAPartitionIsOneClearError) {
  const auto eight = [] {
    return nlohmann::json::array({"attention_0", "attention_1", "attention_2", "attention_output_0",
                                  "attention_output_1", "intermediate_0", "intermediate_output_0",
                                  "intermediate_output_1"});
  };
  EXPECT_EQ(error_after([&](auto& j) { j["cluster"][0][2] = "attention_3"; }),
            "cluster[0][2]: unknown sub-layer 'attention_3' (expected one of: attention_0, "
            "attention_1, attention_2, attention_output_0, attention_output_1, intermediate_0, "
            "intermediate_output_0, intermediate_output_1)");
  EXPECT_EQ(error_after([&](auto& j) { j["cluster"][0].erase(7); }),
            "cluster: sub-layer 'intermediate_output_1' is in no group (the groups must hold all "
            "eight sub-layers once)");
  EXPECT_EQ(error_after([&](auto& j) {
              j["cluster"] = {eight(), {"attention_1"}};
            }),
            "cluster[1]: sub-layer 'attention_1' is in more than one group");
  EXPECT_EQ(error_after([&](auto& j) {
              j["cluster"] = {eight(), nlohmann::json::array()};
            }),
            "cluster[1]: empty cluster group");
  EXPECT_EQ(error_after([&](auto& j) { j["cluster"] = nlohmann::json::array(); }),
            "cluster: no cluster groups");
  EXPECT_EQ(error_after([&](auto& j) { j["cluster"] = eight(); }),
            "cluster[0]: expected a list of sub-layer names, got \"attention_0\"");
  EXPECT_EQ(error_after([&](auto& j) { j["cluster"][0][1] = 1; }),
            "cluster[0][1]: expected a sub-layer name, got 1");
  EXPECT_EQ(error_after([&](auto& j) { j["cluster"] = "all"; }),
            "cluster: expected a list of lists of sub-layer names, got \"all\"");
  EXPECT_EQ(error_after([&](auto& j) { j.erase("cluster"); }), "missing field 'cluster'");
}

TEST(ClusterBuilder, ListsWhatItReadsButIgnores) {
  const ClusterBuilderConfig cb = load_edited([](auto& j) {
    j.erase("num_build_thread");
    j["intermediate_0"]["board"] = "u200";
    j["attention_0"]["config"][0]["cluster"] = 0;  // as in the published file
    j["attention_1"]["config"][0]["dim"]["unroll"] = 3;
    j["notes"] = "mine";
  });
  const char* device = "atoll places on the devices of --cluster";
  const std::vector<IgnoredField> ignored{
      {"board", "sidewinder,u200", device},
      {"part", "xczu19eg-ffvc1760-2-i", device},
      {"notes", "mine", "not a Cluster Builder field"},
      {"attention_0.config[0].cluster", "0",
       "Cluster Builder does not read it either; the top-level 'cluster' groups the sub-layers"},
      {"attention_1.config[0].dim.unroll", "3", "not a Cluster Builder field"},
  };
  EXPECT_EQ(cb.ignored, ignored);
  EXPECT_EQ(cb.board, "sidewinder");
}

}  // namespace
}  // namespace atl::graph
