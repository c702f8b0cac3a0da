#include "plan/galapagos.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "graph/encoder.h"

namespace atl::plan {
namespace {

using graph::Sublayer;

// An encoder with Cluster Builder's 12 heads (utils.py counts 12 attention kernels whatever the
// config says), narrow enough that any partition below divides it.
graph::Graph encoder(int layers = 1, int q_parts = 1, int out_parts = 1, int ffn1_parts = 1,
                     int ffn2_parts = 1) {
  model::ModelConfig c;
  c.name = "cb";
  c.layers = layers;
  c.hidden = 96;
  c.heads = 12;
  c.intermediate = 192;
  c.seq_len = 4;
  graph::SublayerKnobs knobs;
  knobs.q.partition = knobs.k.partition = knobs.v.partition = q_parts;
  knobs.out_proj.partition = out_parts;
  knobs.ffn1.partition = ffn1_parts;
  knobs.ffn2.partition = ffn2_parts;
  return graph::build_encoder_graph(c, knobs);
}

std::string ids(const std::vector<GalapagosAddress>& a) {
  std::string s;
  for (const GalapagosAddress& x : a) {
    if (!s.empty()) s += ',';
    s += std::to_string(x.id);
  }
  return s;
}

// The numbering in scripts/cluster_builder_ids.py's form: one line per kernel, IDs only.
std::string dump(const Galapagos& g, const graph::Graph& graph, int layer = 0) {
  std::string s;
  for (std::size_t c = 0; c < g.clusters.size(); ++c) {
    if (g.clusters[c].layer != layer) continue;
    s += "cluster " + std::to_string(c - static_cast<std::size_t>(layer) * g.grouping.size()) +
         ":\n";
    for (const GalapagosKernel& k : g.clusters[c].kernels) {
      std::string what = to_string(k.kind);
      if (k.kind == GalapagosKind::compute) {
        const std::string& name = graph.kernels[static_cast<std::size_t>(k.graph_kernel)].name;
        what = name.substr(name.find('.') + 1);
      } else if (k.kind == GalapagosKind::virtual_kernel || k.kind == GalapagosKind::comm) {
        what += std::string(" ") + to_string(k.op);
      }
      s += std::to_string(k.id) + " " + what + " >" + ids(k.dests) + " <" + ids(k.sources) + "\n";
    }
  }
  return s;
}

Galapagos number(const graph::Graph& g, const graph::Grouping& grouping) {
  return number_galapagos(g, grouping, std::vector<int>(g.kernels.size(), 0));
}

// Computed by Cluster Builder's python_scripts/utils.py (yugao-uoft/Galapagos_Cluster_Builder,
// commit b500fa0) for the published config.json, with
//   /usr/bin/python3 scripts/cluster_builder_ids.py <Cluster Builder>/python_scripts
// (docs/galapagos.md, "Checking against utils.py"). It is issue 10's table: Q, K, V = 1, 2, 3,
// heads 4..15, context 16..27, out_proj 28, LN1 29, FFN1 30, FFN2 31, LN2 32, virtual broadcast
// 33, scatters 34..36, gather 37, broadcast 38. One atoll change: broadcast 38 also feeds LN2
// (32), which names it as its residual source; utils.py's dests are [30].
constexpr const char* kPublished = R"(cluster 0:
0 gmi > <
1 q >34 <33
2 k >35 <33
3 v >36 <33
4 h0.attention >16 <34,35
5 h1.attention >17 <34,35
6 h2.attention >18 <34,35
7 h3.attention >19 <34,35
8 h4.attention >20 <34,35
9 h5.attention >21 <34,35
10 h6.attention >22 <34,35
11 h7.attention >23 <34,35
12 h8.attention >24 <34,35
13 h9.attention >25 <34,35
14 h10.attention >26 <34,35
15 h11.attention >27 <34,35
16 h0.context >37 <4,36
17 h1.context >37 <5,36
18 h2.context >37 <6,36
19 h3.context >37 <7,36
20 h4.context >37 <8,36
21 h5.context >37 <9,36
22 h6.context >37 <10,36
23 h7.context >37 <11,36
24 h8.context >37 <12,36
25 h9.context >37 <13,36
26 h10.context >37 <14,36
27 h11.context >37 <15,36
28 out_proj >29 <37
29 ln_attn >38 <28,33
30 ffn1 >31 <38
31 ffn2 >32 <30
32 ln_ffn >33 <31,38
33 virtual broadcast >1,2,3,29 <32
34 comm scatter >4,5,6,7,8,9,10,11,12,13,14,15 <1
35 comm scatter >4,5,6,7,8,9,10,11,12,13,14,15 <1
36 comm scatter >16,17,18,19,20,21,22,23,24,25,26,27 <3
37 comm gather >28 <16,17,18,19,20,21,22,23,24,25,26,27
38 comm broadcast >30,32 <29
)";

TEST(GalapagosNumbering, PublishedConfigIsIssueTen) {
  const graph::Graph g = encoder();
  const Galapagos n = number(g, graph::single_cluster_grouping());
  EXPECT_EQ(dump(n, g), kPublished);
  ASSERT_EQ(n.clusters.size(), 1u);
  EXPECT_EQ(n.clusters[0].sublayers, graph::all_sublayers());
  // The host feeds the input broadcast and takes LN2's output, on the IDs utils.py gives the
  // previous and next layer (its loop back): 32 -> 33.
  const GalapagosCluster& c = n.clusters[0];
  EXPECT_EQ(c.kernels[33].sources, (std::vector<GalapagosAddress>{{GalapagosAddress::kHost, 32}}));
  EXPECT_EQ(c.kernels[32].dests, (std::vector<GalapagosAddress>{{GalapagosAddress::kHost, 33}}));
  EXPECT_EQ(c.kernels[29].sources, (std::vector<GalapagosAddress>{{0, 28}, {0, 33}}));
}

TEST(GalapagosNumbering, KindsAndOpsHaveNames) {
  EXPECT_STREQ(to_string(GalapagosKind::virtual_kernel), "virtual");
  EXPECT_STREQ(to_string(CommOp::gather_broadcast), "gather_broadcast");
  for (GalapagosKind k : {GalapagosKind::gmi, GalapagosKind::virtual_kernel, GalapagosKind::compute,
                          GalapagosKind::bypass, GalapagosKind::comm}) {
    EXPECT_EQ(galapagos_kind_from_string(to_string(k), "x"), k);
  }
  for (CommOp op : {CommOp::forward, CommOp::broadcast, CommOp::scatter, CommOp::gather,
                    CommOp::gather_broadcast}) {
    EXPECT_EQ(comm_op_from_string(to_string(op), "x"), op);
  }
  EXPECT_THROW(comm_op_from_string("reduce", "x"), core::Error);
  EXPECT_THROW(galapagos_kind_from_string("Compute", "x"), core::Error);
}

}  // namespace
}  // namespace atl::plan
