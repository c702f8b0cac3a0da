// The decoder builders (arch_llama, arch_gpt2 over graph/decoder_blocks.h) and the registry.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <tuple>

#include "core/error.h"
#include "graph/architecture.h"
#include "graph/decoder_blocks.h"
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
  // One LM head part: argmax reduces its one (max logit, index) pair.
  const Kernel& pick = g.kernels[index_of(g, "argmax")];
  EXPECT_EQ(pick.stages[0].type, StageType::argmax);
  EXPECT_EQ(pick.stages[0].m, 1);
  EXPECT_EQ(pick.out_bytes_per_token, 4);
  const Kernel& logits = g.kernels[index_of(g, "lm_head")];
  EXPECT_EQ(logits.stages[1].type, StageType::top1);
  EXPECT_EQ(logits.out_bytes_per_token, 8);
}

// What reaches `port` of kernel `name`: (producer, bytes per row, offset in the producer's row,
// pattern) in stream order.
using Edge = std::tuple<std::string, std::int64_t, std::int64_t, Pattern>;
std::vector<Edge> inputs(const Graph& g, const std::string& name, int port) {
  std::vector<Edge> out;
  const int k = index_of(g, name);
  for (const Stream& s : g.streams) {
    if (s.consumer == k && s.port == port) {
      out.emplace_back(g.kernels[s.producer].name, s.bytes_per_token, s.offset, s.pattern);
    }
  }
  return out;
}

// Tensor parallelism t = 1, 2, 4 on every splitting role of stories260K's shape (8 heads of 8,
// 4 K/V heads, FFN 172, vocabulary 512): the kernels, edges and bytes per row of issue 13.
TEST(DecoderGraph, TensorParallelKernelsEdgesAndBytes) {
  const model::ModelConfig c = stories(1);
  for (int t : {1, 2, 4}) {
    SCOPED_TRACE(t);
    KnobMap knobs = builder(c.architecture).default_knobs;
    for (const char* label :
         {"embed", "q", "k", "v", "out_proj", "ffn_up", "ffn_down", "lm_head"}) {
      knobs[role_from_string(c.architecture, label, "test")].partition = t;
    }
    const Graph g = build_graph(c, knobs);
    // source, embed t, norm, q/k/v 3t, 8 heads, out_proj t, res, norm, up t, down t, res,
    // final norm, lm_head t, argmax, sink: 16 + 8t.
    EXPECT_EQ(g.kernels.size(), static_cast<std::size_t>(16 + 8 * t));
    EXPECT_EQ(kernel_count(c, knobs), static_cast<std::int64_t>(g.kernels.size()));
    const auto part = [t](const std::string& label, int p) {
      return t == 1 ? label : fmt::format("{}.p{}", label, p);
    };
    // q/k/v: the whole normed row (64 int32) broadcast to every part.
    EXPECT_EQ(inputs(g, part("l0.k", t - 1), 0),
              (std::vector<Edge>{{"l0.attn_norm", 256, 0, Pattern::bcast}}));
    // Head 5 (K/V head 2): its 8 q channels and K|V from the parts holding them.
    const int kv_part = 2 / (4 / t), q_part = 5 / (8 / t);
    const std::int64_t kv_at = (2 % (4 / t)) * 32, q_at = (5 % (8 / t)) * 32;
    EXPECT_EQ(inputs(g, "l0.h5.attention", 1),
              (std::vector<Edge>{{part("l0.k", kv_part), 32, kv_at, Pattern::gather},
                                 {part("l0.v", kv_part), 32, kv_at, Pattern::gather}}));
    ASSERT_EQ(inputs(g, "l0.h5.attention", 0).size(), 1u);
    EXPECT_EQ(std::get<0>(inputs(g, "l0.h5.attention", 0)[0]), part("l0.q", q_part));
    EXPECT_EQ(std::get<2>(inputs(g, "l0.h5.attention", 0)[0]), q_at);
    // out_proj part p: input rows [64p/t, 64(p+1)/t) = the context rows of heads 8p/t.., then
    // the row max of every head (4 bytes after its 8 channels); m = 64 outputs, k = 64/t.
    const int last = t - 1;
    const Kernel& out = g.kernels[index_of(g, part("l0.out_proj", last))];
    ASSERT_EQ(out.stages.size(), 1u);
    EXPECT_EQ(out.stages[0].type, StageType::w8a8_partial);
    EXPECT_EQ(out.stages[0].m, 64);
    EXPECT_EQ(out.stages[0].k, 64 / t);
    EXPECT_EQ(out.out_bytes_per_token, 65 * 4);  // partial sums + the row max
    const std::vector<Edge> ctx = inputs(g, out.name, 0);
    ASSERT_EQ(ctx.size(), static_cast<std::size_t>(8 / t));
    EXPECT_EQ(std::get<0>(ctx[0]), fmt::format("l0.h{}.attention", last * 8 / t));
    EXPECT_EQ(std::get<1>(ctx[0]), 32);
    const std::vector<Edge> maxima = inputs(g, out.name, 1);
    ASSERT_EQ(maxima.size(), 8u);
    for (const Edge& e : maxima) {
      EXPECT_EQ(std::get<1>(e), 4);
      EXPECT_EQ(std::get<2>(e), 32);
    }
    // res_attn: the t partial rows summed (reduce), the layer input (embedding slices) on port 1.
    const std::vector<Edge> partials = inputs(g, "l0.res_attn", 0);
    ASSERT_EQ(partials.size(), static_cast<std::size_t>(t));
    for (const Edge& e : partials) {
      EXPECT_EQ(std::get<1>(e), 260);
      EXPECT_EQ(std::get<3>(e), Pattern::reduce);
    }
    EXPECT_EQ(inputs(g, "l0.res_attn", 1).size(), static_cast<std::size_t>(t));
    const Kernel& res = g.kernels[index_of(g, "l0.res_attn")];
    EXPECT_EQ(res.stages[0].type, StageType::w8a8_reduce);
    EXPECT_EQ(res.stages[0].k, t);
    EXPECT_EQ(res.stages[1].type, StageType::residual_add);
    // FFN: up by columns (gate and up rows of 172/t channels, + their max), down by rows.
    const Kernel& up = g.kernels[index_of(g, part("l0.ffn_up", last))];
    EXPECT_EQ(up.stages[0].m, 2 * 172 / t);
    EXPECT_EQ(up.out_bytes_per_token, (172 / t + 1) * 4);
    const std::vector<Edge> down = inputs(g, part("l0.ffn_down", last), 0);
    // (a scatter: the channels to its down part, the max to every down part)
    EXPECT_EQ(down,
              (std::vector<Edge>{{part("l0.ffn_up", last), 172 / t * 4, 0, Pattern::scatter}}));
    EXPECT_EQ(inputs(g, part("l0.ffn_down", last), 1).size(), static_cast<std::size_t>(t));
    EXPECT_EQ(inputs(g, "l0.res_ffn", 0).size(), static_cast<std::size_t>(t));
    // LM head: vocabulary slices, each a (max logit, index) pair into the argmax.
    const std::vector<Edge> pairs = inputs(g, "argmax", 0);
    ASSERT_EQ(pairs.size(), static_cast<std::size_t>(t));
    EXPECT_EQ(pairs[last], (Edge{part("lm_head", last), 8, 0, Pattern::reduce}));
    EXPECT_EQ(g.kernels[index_of(g, part("lm_head", last))].stages[0].m, 512 / t);
    EXPECT_EQ(g.kernels[index_of(g, "argmax")].stages[0].m, t);
    // The JSON keeps the offsets and the new stage types.
    EXPECT_EQ(graph_from_json(to_json(g), "g.json"), g);
  }
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

// The attention stage's tile knob: query heads per attention kernel. 4 heads of 8 span two KV
// heads (port 1: their K then their V); 1 head of a pair takes its KV head; the graph JSON keeps
// the knob, the kernel count follows it, a group that splits a KV head's pair unevenly is refused.
TEST(DecoderGraph, AttentionKernelsServeGroupsOfHeads) {
  const model::ModelConfig c = stories(1);
  KnobMap knobs = builder(c.architecture).default_knobs;
  const Role attention{c.architecture, decoder::attention};
  knobs[attention].stages[0].tile = 4;
  const Graph g = build_graph(c, knobs);
  EXPECT_EQ(kernel_count(c, knobs), static_cast<std::int64_t>(g.kernels.size()));
  EXPECT_EQ(index_of(g, "l0.h1.attention"), -1);
  const int a = index_of(g, "l0.h4.attention");
  ASSERT_GE(a, 0);
  EXPECT_EQ(g.kernels[a].head, 4);
  EXPECT_EQ(g.kernels[a].out_bytes_per_token, (4 * 8 + 1) * 4);  // 4 heads of 8 + the row max
  std::vector<std::tuple<std::string, std::int64_t, std::int64_t, int>> in;
  for (const Stream& s : g.streams) {
    if (s.consumer == a) {
      in.emplace_back(g.kernels[s.producer].name, s.bytes_per_token, s.offset, s.port);
    }
  }
  // q: channels 32..63; k and v: KV heads 2 and 3 = channels 16..31 (default knobs: no split).
  const std::vector<std::tuple<std::string, std::int64_t, std::int64_t, int>> want{
      {"l0.q", 32 * 4, 32 * 4, 0}, {"l0.k", 16 * 4, 16 * 4, 1}, {"l0.v", 16 * 4, 16 * 4, 1}};
  EXPECT_EQ(in, want);
  EXPECT_EQ(knobs_of(g), knobs);
  EXPECT_EQ(graph_from_json(to_json(g), "g.json"), g);
  EXPECT_EQ(decoder::kv_span(c, 4, 4).first, 2);
  EXPECT_EQ(decoder::kv_span(c, 4, 4).count, 2);
  EXPECT_EQ(decoder::kv_span(c, 5, 1).first, 2);
  EXPECT_EQ(decoder::kv_span(c, 5, 1).count, 1);
  knobs[attention].stages[0].tile = 3;
  try {
    build_graph(c, knobs);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("tile 3 (query heads per kernel) must divide the 8 heads"),
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
