// The decoder builders (arch_llama, arch_gpt2 over graph/decoder_blocks.h) and the registry.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "graph/architecture.h"
#include "graph/json.h"
#include "model/config.h"

namespace atl::graph {
namespace {

const std::filesystem::path kRoot = ATOLL_SOURCE_DIR;

// stories260K's shape (examples/models/stories260K.yaml): 8 heads sharing 4 K/V heads.
model::ModelConfig stories(std::int64_t layers) {
  model::DecoderConfig d;
  d.name = "stories";
  d.architecture = model::Architecture::llama_decoder;
  d.layers = layers;
  d.dim = 64;
  d.hidden_dim = 172;
  d.heads = 8;
  d.kv_heads = 4;
  d.vocab = 512;
  d.max_seq = 512;
  return model::model_config(d);
}

int index_of(const Graph& g, const std::string& name) {
  for (std::size_t i = 0; i < g.kernels.size(); ++i) {
    if (g.kernels[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

TEST(DecoderGraph, LlamaLayout) {
  const Graph g = build_graph(stories(2));
  // source, embed, 2 x (norm, q, k, v, 8 heads, out_proj, res, norm, up, down, res), final norm,
  // lm_head, argmax, sink.
  EXPECT_EQ(g.kernels.size(), 2u + 2 * 18 + 4);
  EXPECT_EQ(kernel_count(stories(2), builder(model::Architecture::llama_decoder).default_knobs),
            static_cast<std::int64_t>(g.kernels.size()));
  EXPECT_EQ(g.architecture, model::Architecture::llama_decoder);
  EXPECT_EQ(g.kv_heads, 4);
  EXPECT_EQ(g.vocab, 512);
  // Head 3 shares K/V head 1: port 1 gathers its 8 K then 8 V channels, int32.
  const int head = index_of(g, "l0.h3.attention");
  ASSERT_GE(head, 0);
  std::vector<std::pair<std::string, std::int64_t>> port1;
  for (const Stream& s : g.streams) {
    if (s.consumer == head && s.port == 1)
      port1.emplace_back(g.kernels[s.producer].name, s.bytes_per_token);
  }
  EXPECT_EQ(port1, (std::vector<std::pair<std::string, std::int64_t>>{{"l0.k", 32}, {"l0.v", 32}}));
  // q: linear then RoPE over a table of 512 positions x 4 pairs; ffn_up: gate + up rows, SwiGLU.
  const Kernel& q = g.kernels[index_of(g, "l0.q")];
  ASSERT_EQ(q.stages.size(), 2u);
  EXPECT_EQ(q.stages[0].type, StageType::w8a8_linear);
  EXPECT_EQ(q.stages[1].type, StageType::rope);
  EXPECT_EQ(q.stages[1].k, 512 * 4);
  const Kernel& up = g.kernels[index_of(g, "l0.ffn_up")];
  EXPECT_EQ(up.stages[0].m, 2 * 172);
  EXPECT_EQ(up.stages[1].type, StageType::swiglu);
  const Kernel& pick = g.kernels[index_of(g, "argmax")];
  EXPECT_EQ(pick.stages[0].m, 512);
  EXPECT_EQ(pick.out_bytes_per_token, 4);
}

TEST(DecoderGraph, SplitsFollowTheRoleTable) {
  const model::ModelConfig c = stories(1);
  KnobMap knobs = builder(c.architecture).default_knobs;
  const Role k{c.architecture, 5}, lm_head{c.architecture, 15};
  ASSERT_EQ(to_string(k), "k");
  ASSERT_EQ(to_string(lm_head), "lm_head");
  EXPECT_EQ(split_rows(k, c), 32);  // kv_heads x head_dim
  EXPECT_EQ(split_rows(lm_head, c), 512);
  knobs[k].partition = 8;  // 8 slices of 4 K/V heads: not whole heads
  EXPECT_THROW(build_graph(c, knobs), core::Error);
  knobs[k].partition = 2;
  knobs[lm_head].partition = 4;
  const Graph g = build_graph(c, knobs);
  EXPECT_EQ(kernel_count(c, knobs), static_cast<std::int64_t>(g.kernels.size()));
  EXPECT_EQ(knobs_of(g), knobs);
  EXPECT_GE(index_of(g, "lm_head.p3"), 0);
  EXPECT_GE(index_of(g, "l0.k.p1"), 0);
}

TEST(DecoderGraph, Gpt2HasNoRopeAndLearnedPositions) {
  model::DecoderConfig d;
  d.name = "gpt2-tiny";
  d.architecture = model::Architecture::gpt2_decoder;
  d.layers = 1;
  d.dim = 128;
  d.hidden_dim = 512;
  d.heads = 2;
  d.kv_heads = 2;
  d.vocab = 1000;
  d.max_seq = 64;
  const model::ModelConfig c = model::model_config(d);
  const Graph g = build_graph(c);
  const Kernel& q = g.kernels[index_of(g, "l0.q")];
  EXPECT_EQ(q.stages.size(), 1u);
  EXPECT_EQ(g.kernels[index_of(g, "embed")].stages[0].k, 1000 + 64);
  EXPECT_EQ(g.kernels[index_of(g, "l0.ffn_up")].stages[1].type, StageType::decoder_gelu);
  EXPECT_EQ(g.kernels[index_of(g, "l0.attn_norm")].stages[0].type, StageType::decoder_layernorm);
}

TEST(DecoderGraph, JsonRoundTripKeepsTheArchitecture) {
  const Graph g = build_graph(stories(1));
  const auto j = to_json(g);
  EXPECT_EQ(j.at("architecture"), "llama-decoder");
  EXPECT_EQ(graph_from_json(j, "g.json"), g);
  EXPECT_EQ(model_config(g).decoder->kv_heads, 4);
  EXPECT_EQ(build_graph(model_config(g), knobs_of(g)), g);
  // An encoder's JSON has no architecture field (files from before architectures are unchanged).
  EXPECT_FALSE(to_json(build_graph(model::ModelConfig{})).contains("architecture"));
  auto bad = j;
  bad["kernels"][2]["role"] = "ln_attn";  // an encoder label in a decoder graph
  try {
    graph_from_json(bad, "g.json");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("g.json: kernels[2].role: unknown role 'ln_attn' of a "
                                         "llama-decoder"),
              std::string::npos)
        << e.what();
  }
}

TEST(DecoderGraph, ModelConfigKeepsTheDecoder) {
  const auto path = kRoot / "examples/models/tinyllama-1.1b.yaml";
  const model::ModelConfig c = model::load_model_config(path, model::Accept::any);
  EXPECT_EQ(c.architecture, model::Architecture::llama_decoder);
  ASSERT_TRUE(c.decoder.has_value());
  EXPECT_EQ(c.decoder->kv_heads, 4);
  EXPECT_EQ(c.decoder->vocab, 32000);
  EXPECT_EQ(c.hidden, 2048);
  EXPECT_EQ(c.intermediate, 5632);
  EXPECT_EQ(c.seq_len, 2048);
  try {
    model::load_model_config(path);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::unsupported);
  }
  const model::ModelConfig enc =
      model::load_model_config(kRoot / "examples/models/ibert-base.yaml", model::Accept::any);
  EXPECT_FALSE(enc.is_decoder());
  EXPECT_FALSE(enc.decoder.has_value());
}

}  // namespace
}  // namespace atl::graph
