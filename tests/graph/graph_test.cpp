#include "graph/graph.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "graph/arch_ibert.h"

namespace atl::graph {
namespace {

Kernel kernel(const std::string& name, Role role) {
  Kernel k;
  k.name = name;
  k.role = role;
  k.out_bytes_per_token = role == ibert::sink ? 0 : 64;
  return k;
}

Stream stream(int from, int to) {
  Stream s;
  s.producer = from;
  s.consumer = to;
  s.bytes_per_token = 64;
  return s;
}

// source -> a -> b -> c -> sink, plus a stream c -> a that closes a cycle.
Graph chain() {
  Graph g;
  g.model = "toy";
  g.seq_len = 4;
  g.kernels = {kernel("source", ibert::source), kernel("a", ibert::q), kernel("b", ibert::ffn1),
               kernel("c", ibert::ffn2), kernel("sink", ibert::sink)};
  g.streams = {stream(0, 1), stream(1, 2), stream(2, 3), stream(3, 4)};
  return g;
}

std::string error_of(const Graph& g) {
  try {
    validate(g);
  } catch (const core::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Graph, ValidChain) {
  EXPECT_EQ(error_of(chain()), "");
  EXPECT_EQ(topological_order(chain()), (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(Graph, CycleNamesItsKernels) {
  Graph g = chain();
  g.streams.push_back(stream(3, 1));
  EXPECT_EQ(error_of(g), "graph 'toy': cycle through kernels a -> b -> c -> a");
}

TEST(Graph, UnknownIndex) {
  Graph g = chain();
  g.streams[1].consumer = 9;
  EXPECT_EQ(error_of(g),
            "graph 'toy': stream 1: producer 1 / consumer 9 is not a kernel index (0..4)");
}

TEST(Graph, DanglingPorts) {
  Graph g = chain();
  g.streams[1].port = 1;  // a q kernel has only port 0
  EXPECT_EQ(error_of(g),
            "graph 'toy': stream 1 (a -> b): port 1 is dangling, a ffn1 kernel reads ports 0..0");
  g = chain();
  g.streams.erase(g.streams.begin() + 3);
  EXPECT_EQ(error_of(g), "graph 'toy': kernel 'c': output is dangling (no stream reads it)");
  g = chain();
  g.streams[0].consumer = 2;
  EXPECT_EQ(error_of(g), "graph 'toy': kernel 'a': input port 0 is dangling");
}

TEST(Graph, SequenceLength) {
  Graph g = chain();
  g.seq_len = 0;
  EXPECT_EQ(error_of(g), "graph 'toy': seq_len must be positive, got 0");
}

TEST(Graph, DuplicateName) {
  Graph g = chain();
  g.kernels[2].name = g.kernels[1].name;
  EXPECT_EQ(error_of(g), "graph 'toy': duplicate kernel name 'a'");
}

TEST(Graph, EncoderSecondPortsAreFed) {
  model::ModelConfig c;
  c.layers = 1;
  Graph g = build_graph(c);
  // Drop K -> head 0: the attention kernel's port 1 is left unfed.
  for (std::size_t i = 0; i < g.streams.size(); ++i) {
    const Stream& s = g.streams[i];
    if (g.kernels[s.consumer].name == "l0.h0.attention" && s.port == 1) {
      g.streams.erase(g.streams.begin() + static_cast<long>(i));
      break;
    }
  }
  EXPECT_EQ(error_of(g), "graph '': kernel 'l0.h0.attention': input port 1 is dangling");
}

TEST(Graph, NamesRoundTrip) {
  for (model::Architecture a :
       {model::Architecture::ibert_encoder, model::Architecture::llama_decoder,
        model::Architecture::gpt2_decoder}) {
    for (Role r : compute_roles(a)) EXPECT_EQ(role_from_string(a, to_string(r), "t"), r);
  }
  EXPECT_EQ(pattern_from_string("scatter", "t"), Pattern::scatter);
  EXPECT_EQ(stage_type_from_string("gelu", "t"), StageType::gelu);
  EXPECT_THROW(role_from_string(model::Architecture::ibert_encoder, "qq", "t"), core::Error);
  // Labels belong to their architecture: an encoder has no RoPE-carrying "ffn_up".
  EXPECT_THROW(role_from_string(model::Architecture::ibert_encoder, "ffn_up", "t"), core::Error);
}

}  // namespace
}  // namespace atl::graph
