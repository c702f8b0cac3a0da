#include "graph/json.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "graph/arch_ibert.h"

namespace atl::graph {
namespace {

Graph encoder(std::int64_t layers) {
  model::ModelConfig c;
  c.name = "ibert-base";
  c.layers = layers;
  KnobMap knobs = ibert::default_knobs();
  knobs[ibert::ffn1].partition = 2;
  return build_graph(c, knobs);
}

std::string error_of(const nlohmann::json& j) {
  try {
    graph_from_json(j, "g.json");
  } catch (const core::Error& e) {
    return e.what();
  }
  return "";
}

TEST(GraphJson, RoundTripInMemory) {
  const Graph g = encoder(2);
  EXPECT_EQ(graph_from_json(to_json(g), "mem"), g);
}

// The AI Engine knob is written only where a stage uses it, so DSP graphs (and plans written
// before it existed) read back as DSP graphs; a stage on tiles keeps its count.
TEST(GraphJson, AieKnobOnlyWhereUsed) {
  Graph g = encoder(1);
  ASSERT_EQ(g.kernels[2].name, "l0.k");
  nlohmann::json j = to_json(g);
  EXPECT_FALSE(j["kernels"][2]["stages"][0].contains("aie"));
  g.kernels[2].stages[0].knobs = {1, 1, 1, 48};
  j = to_json(g);
  EXPECT_EQ(j["kernels"][2]["stages"][0]["aie"], 48);
  EXPECT_EQ(graph_from_json(j, "mem"), g);
  j["kernels"][2]["stages"][0]["aie"] = 0;
  EXPECT_EQ(error_of(j),
            "g.json: kernels[2].stages[0].aie: expected an integer in [1, 4096], got 0");
}

TEST(GraphJson, RoundTripFile) {
  const Graph g = encoder(1);
  const auto path = std::filesystem::temp_directory_path() /
                    ("atoll_graph_" +
                     std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".json");
  save_graph(g, path);
  EXPECT_EQ(load_graph(path), g);
  std::filesystem::remove(path);
}

TEST(GraphJson, ErrorsNameTheField) {
  nlohmann::json j = to_json(encoder(1));
  j["kernels"][3]["stages"][0]["tile"] = "two";
  EXPECT_EQ(error_of(j), "g.json: kernels[3].stages[0].tile: expected an integer, got \"two\"");
  j = to_json(encoder(1));
  j["streams"][5]["consumer"] = "l0.nowhere";
  EXPECT_EQ(error_of(j), "g.json: streams[5].consumer: unknown kernel 'l0.nowhere'");
  j = to_json(encoder(1));
  j["kernels"][1].erase("role");
  EXPECT_EQ(error_of(j), "g.json: kernels[1].role: missing field");
  j = to_json(encoder(1));
  j["kernels"][1]["role"] = "query";
  EXPECT_EQ(error_of(j).rfind("g.json: kernels[1].role: unknown role 'query'", 0), 0u);
  j = to_json(encoder(1));
  j["streams"].erase(0);  // source -> l0.q gone: q's input dangles
  EXPECT_EQ(error_of(j), "g.json: graph 'ibert-base': kernel 'l0.q': input port 0 is dangling");
  // A fraction where an integer belongs is an error, not silently truncated.
  j = to_json(encoder(1));
  j["seq_len"] = 127.5;
  EXPECT_EQ(error_of(j), "g.json.seq_len: expected an integer, got 127.5");
}

}  // namespace
}  // namespace atl::graph
