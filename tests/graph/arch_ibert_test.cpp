#include "graph/arch_ibert.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "core/error.h"

namespace atl::graph {
namespace {

model::ModelConfig base(std::int64_t layers) {
  model::ModelConfig c;
  c.name = "ibert-base";
  c.layers = layers;
  return c;
}

int find(const Graph& g, const std::string& name) {
  for (std::size_t i = 0; i < g.kernels.size(); ++i) {
    if (g.kernels[i].name == name) return static_cast<int>(i);
  }
  ADD_FAILURE() << "no kernel " << name;
  return -1;
}

const Stream& stream(const Graph& g, const std::string& from, const std::string& to) {
  const int p = find(g, from), c = find(g, to);
  auto it = std::find_if(g.streams.begin(), g.streams.end(),
                         [&](const Stream& s) { return s.producer == p && s.consumer == c; });
  if (it == g.streams.end()) throw core::Error("no stream " + from + " -> " + to);
  return *it;
}

TEST(Encoder, OneLayerCounts) {
  const Graph g = build_graph(base(1));
  // source + q,k,v + 12 attention + 12 context + out_proj, ln_attn, ffn1, ffn2, ln_ffn + sink
  EXPECT_EQ(g.kernels.size(), 34u);
  // x->q,k,v,ln_attn (4) + q,k->heads (24) + v->ctx (12) + attn->ctx (12) + ctx->out (12)
  // + out->ln (1) + ln_attn->ffn1,ln_ffn (2) + ffn1->ffn2 (1) + ffn2->ln_ffn (1) + ->sink (1)
  EXPECT_EQ(g.streams.size(), 70u);
}

TEST(Encoder, TwelveLayerCounts) {
  const Graph g = build_graph(base(12));
  EXPECT_EQ(g.kernels.size(), 2u + 12u * 32u);
  EXPECT_EQ(g.streams.size(), 12u * 69u + 1u);
  EXPECT_EQ(g.layers, 12);
  // Layer 1 reads layer 0's output, and its LN1 residual is layer 0's LN2 output.
  EXPECT_EQ(stream(g, "l0.ln_ffn", "l1.q").pattern, Pattern::bcast);
  EXPECT_EQ(stream(g, "l0.ln_ffn", "l1.ln_attn").port, 1);
  EXPECT_EQ(stream(g, "l11.ln_ffn", "sink").pattern, Pattern::send);
}

TEST(Encoder, BertLargeCounts) {
  model::ModelConfig c;
  c.name = "ibert-large";
  c.layers = 24;
  c.hidden = 1024;
  c.heads = 16;
  c.intermediate = 4096;
  const Graph g = build_graph(c);
  EXPECT_EQ(g.kernels.size(), 2u + 24u * (3u + 2u * 16u + 5u));
  // per layer: 4 input + 32 Q/K + 16 V + 16 probabilities + 16 heads + 1 + 2 + 1 + 1
  EXPECT_EQ(g.streams.size(), 24u * 89u + 1u);
  EXPECT_EQ(stream(g, "l23.h15.context", "l23.out_proj").bytes_per_token, 64);
  EXPECT_EQ(stream(g, "l23.ffn1", "l23.ffn2").bytes_per_token, 4096);
}

TEST(Encoder, BytesPerTokenAndPorts) {
  const Graph g = build_graph(base(1));
  EXPECT_EQ(stream(g, "source", "l0.k").bytes_per_token, 768);
  EXPECT_EQ(stream(g, "source", "l0.k").pattern, Pattern::bcast);
  EXPECT_EQ(stream(g, "source", "l0.ln_attn").port, 1);
  const Stream& q = stream(g, "l0.q", "l0.h3.attention");
  EXPECT_EQ(q.bytes_per_token, 64);
  EXPECT_EQ(q.pattern, Pattern::scatter);
  EXPECT_EQ(q.port, 0);
  EXPECT_EQ(stream(g, "l0.k", "l0.h3.attention").port, 1);
  EXPECT_EQ(stream(g, "l0.v", "l0.h11.context").port, 1);
  const Stream& p = stream(g, "l0.h3.attention", "l0.h3.context");
  EXPECT_EQ(p.bytes_per_token, 128);  // seq_len probability bytes per row
  EXPECT_EQ(p.pattern, Pattern::send);
  EXPECT_EQ(stream(g, "l0.h3.context", "l0.out_proj").pattern, Pattern::gather);
  EXPECT_EQ(stream(g, "l0.h3.context", "l0.out_proj").bytes_per_token, 64);
  EXPECT_EQ(stream(g, "l0.out_proj", "l0.ln_attn").bytes_per_token, 768 * 4);
  EXPECT_EQ(stream(g, "l0.ln_attn", "l0.ffn1").bytes_per_token, 768);
  EXPECT_EQ(stream(g, "l0.ln_attn", "l0.ln_ffn").port, 1);
  EXPECT_EQ(stream(g, "l0.ffn1", "l0.ffn2").bytes_per_token, 3072);
  EXPECT_EQ(stream(g, "l0.ffn1", "l0.ffn2").pattern, Pattern::send);
  EXPECT_EQ(stream(g, "l0.ffn2", "l0.ln_ffn").bytes_per_token, 3072);
  EXPECT_EQ(stream(g, "l0.ln_ffn", "sink").bytes_per_token, 768);

  // Per layer per token: 3 x 768 bcast + LN1 identity 768 + Q,K,V scatter 3 x 768
  // + probabilities 12 x 128 + heads gather 768 + int32 768*4 + LN1 out 2 x 768 + 3072 + 3072
  // + sink 768.
  std::int64_t total = 0;
  for (const Stream& s : g.streams) total += s.bytes_per_token;
  EXPECT_EQ(total, 4 * 768 + 3 * 768 + 12 * 128 + 768 + 3072 + 2 * 768 + 3072 + 3072 + 768);
}

TEST(Encoder, StagesCarryPublishedKnobs) {
  const Graph g = build_graph(base(1));
  const Kernel& q = g.kernels[find(g, "l0.q")];
  ASSERT_EQ(q.stages.size(), 2u);
  EXPECT_EQ(q.stages[0].type, StageType::linear);
  EXPECT_EQ(q.stages[0].m, 768);
  EXPECT_EQ(q.stages[0].k, 768);
  EXPECT_EQ(q.stages[0].knobs, (Knobs{2, 6, 1}));
  EXPECT_EQ(q.stages[1].knobs.unroll, 4);
  const Kernel& attn = g.kernels[find(g, "l0.h0.attention")];
  EXPECT_EQ(attn.stages[0].type, StageType::attention_matmul);
  EXPECT_EQ(attn.stages[0].m, 128);
  EXPECT_EQ(attn.stages[0].k, 64);
  EXPECT_EQ(attn.out_dtype, core::DType::u8);
  const Kernel& ffn1 = g.kernels[find(g, "l0.ffn1")];
  EXPECT_EQ(ffn1.stages[0].m, 3072);
  EXPECT_EQ(ffn1.stages[1].type, StageType::gelu);
  EXPECT_EQ(g.kernels[find(g, "l0.ffn2")].stages[0].k, 3072);
  EXPECT_EQ(g.kernels[find(g, "l0.ln_attn")].stages[1].knobs.unroll, 16);
  EXPECT_EQ(g.kernels[find(g, "l0.ln_ffn")].stages[1].knobs.unroll, 4);
  EXPECT_EQ(knobs_of(g), ibert::default_knobs());
}

TEST(Encoder, PartitionSplitsRows) {
  KnobMap knobs = ibert::default_knobs();
  knobs[ibert::q].partition = 3;
  knobs[ibert::ffn1].partition = 4;
  knobs[ibert::ffn2].partition = 2;
  const Graph g = build_graph(base(1), knobs);
  // q: 3 parts of 256 rows = 4 heads each, scattered 64 B per head.
  EXPECT_EQ(g.kernels[find(g, "l0.q.p1")].out_bytes_per_token, 256);
  EXPECT_EQ(stream(g, "l0.q.p1", "l0.h4.attention").bytes_per_token, 64);
  EXPECT_EQ(stream(g, "source", "l0.q.p2").pattern, Pattern::bcast);
  // every ffn2 part gathers all four ffn1 parts (768 B each).
  const Stream& s = stream(g, "l0.ffn1.p3", "l0.ffn2.p1");
  EXPECT_EQ(s.bytes_per_token, 768);
  EXPECT_EQ(s.pattern, Pattern::gather);
  EXPECT_EQ(stream(g, "l0.ffn2.p1", "l0.ln_ffn").bytes_per_token, 384 * 4);
  EXPECT_EQ(stream(g, "l0.ffn2.p1", "l0.ln_ffn").pattern, Pattern::gather);
  EXPECT_EQ(stream(g, "l0.ln_attn", "l0.ffn1.p0").pattern, Pattern::bcast);
  EXPECT_EQ(g.kernels.size(), 34u + 2 + 3 + 1);
  EXPECT_EQ(knobs_of(g), knobs);
}

TEST(Encoder, RejectsBadKnobs) {
  KnobMap knobs = ibert::default_knobs();
  knobs[ibert::q].partition = 5;  // does not divide 12 heads
  EXPECT_THROW(build_graph(base(1), knobs), core::Error);
  knobs = ibert::default_knobs();
  knobs[ibert::attention].partition = 2;
  EXPECT_THROW(build_graph(base(1), knobs), core::Error);
  knobs = ibert::default_knobs();
  knobs[ibert::ffn1].stages.pop_back();
  try {
    build_graph(base(1), knobs);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_STREQ(e.what(), "knobs of role 'ffn1': 2 stages given, its kernels have 3");
  }
  knobs = ibert::default_knobs();
  knobs[ibert::ffn2].stages[0].pe = 0;
  EXPECT_THROW(build_graph(base(1), knobs), core::Error);
}

TEST(Encoder, KernelCountWithoutBuilding) {
  KnobMap split = ibert::default_knobs();
  split[ibert::q].partition = 3;
  split[ibert::ffn1].partition = 4;
  split[ibert::ffn2].partition = 2;
  for (const KnobMap& knobs : {ibert::default_knobs(), split}) {
    for (std::int64_t layers : {1, 2, 12}) {
      const model::ModelConfig c = base(layers);
      EXPECT_EQ(kernel_count(c, knobs),
                static_cast<std::int64_t>(build_graph(c, knobs).kernels.size()));
    }
  }
  EXPECT_EQ(kernel_count(base(1), split), 40);
  // 32 kernels a layer: 2^58 layers do not fit 64 bits, nor do 2^62 heads.
  EXPECT_EQ(kernel_count(base(std::int64_t{1} << 58), ibert::default_knobs()), -1);
  model::ModelConfig wide = base(1);
  wide.heads = std::int64_t{1} << 62;
  EXPECT_EQ(kernel_count(wide, ibert::default_knobs()), -1);
}

}  // namespace
}  // namespace atl::graph
