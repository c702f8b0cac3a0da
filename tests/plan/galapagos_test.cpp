#include "plan/galapagos.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "graph/arch_ibert.h"

namespace atl::plan {
namespace {

namespace ibert = graph::ibert;

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
  graph::KnobMap knobs = graph::ibert::default_knobs();
  knobs[ibert::q].partition = knobs[ibert::k].partition = knobs[ibert::v].partition = q_parts;
  knobs[ibert::out_proj].partition = out_parts;
  knobs[ibert::ffn1].partition = ffn1_parts;
  knobs[ibert::ffn2].partition = ffn2_parts;
  return graph::build_graph(c, knobs);
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

// The numberings below were computed by Cluster Builder's python_scripts/utils.py
// (yugao-uoft/Galapagos_Cluster_Builder, commit b500fa0), e.g. the six-FPGA split with
//   /usr/bin/python3 scripts/cluster_builder_ids.py <Cluster Builder>/python_scripts --grouping
//   '[["attention_0"],["attention_1","attention_2"],["attention_output_0","attention_output_1"],
//     ["intermediate_0"],["intermediate_output_0"],["intermediate_output_1"]]'
// (add --partition attention_0=3 ... for partitions). They are utils.py's output except where a
// comment names atoll's correction (docs/galapagos.md, "Where atoll departs from utils.py").

// Six clusters, one per FPGA of the paper's prototype (reference-system.md §2.5). utils.py's
// FFN2 input forward (cluster 4, ID 2) also lists FFN1's bypass kernel as a source: <1,2.
constexpr const char* kSixFpga = R"(cluster 0:
0 gmi > <
1 q >25 <5
2 k >26 <5
3 v >27 <5
4 bypass >4 <
5 virtual broadcast >1,2,3,4 <1
cluster 1:
0 gmi > <
1 h0.attention >13 <25,26
2 h1.attention >14 <25,26
3 h2.attention >15 <25,26
4 h3.attention >16 <25,26
5 h4.attention >17 <25,26
6 h5.attention >18 <25,26
7 h6.attention >19 <25,26
8 h7.attention >20 <25,26
9 h8.attention >21 <25,26
10 h9.attention >22 <25,26
11 h10.attention >23 <25,26
12 h11.attention >24 <25,26
13 h0.context >3 <1,27
14 h1.context >3 <2,27
15 h2.context >3 <3,27
16 h3.context >3 <4,27
17 h4.context >3 <5,27
18 h5.context >3 <6,27
19 h6.context >3 <7,27
20 h7.context >3 <8,27
21 h8.context >3 <9,27
22 h9.context >3 <10,27
23 h10.context >3 <11,27
24 h11.context >3 <12,27
25 virtual scatter >1,2,3,4,5,6,7,8,9,10,11,12 <1
26 virtual scatter >1,2,3,4,5,6,7,8,9,10,11,12 <2
27 virtual scatter >13,14,15,16,17,18,19,20,21,22,23,24 <3
cluster 2:
0 gmi > <
1 out_proj >2 <3
2 ln_attn >3 <1,5
3 virtual gather_broadcast >1 <13,14,15,16,17,18,19,20,21,22,23,24
4 virtual forward >2 <
cluster 3:
0 gmi > <
1 ffn1 >2 <3
2 bypass >3 <
3 virtual broadcast >1,2 <2
cluster 4:
0 gmi > <
1 ffn2 >2 <2
2 virtual forward >1 <1
cluster 5:
0 gmi > <
1 ln_ffn >5 <2,3
2 virtual forward >1 <1
3 virtual forward >1 <
)";

// Two clusters split between attention_output_1 and intermediate_0. utils.py: FFN1's input
// (cluster 1, ID 4) is "virtual forward >1": atoll broadcasts it to LN2 (ID 3) as well, LN2's
// named residual source.
constexpr const char* kTwoClusters = R"(cluster 0:
0 gmi > <
1 q >31 <30
2 k >32 <30
3 v >33 <30
4 h0.attention >16 <31,32
5 h1.attention >17 <31,32
6 h2.attention >18 <31,32
7 h3.attention >19 <31,32
8 h4.attention >20 <31,32
9 h5.attention >21 <31,32
10 h6.attention >22 <31,32
11 h7.attention >23 <31,32
12 h8.attention >24 <31,32
13 h9.attention >25 <31,32
14 h10.attention >26 <31,32
15 h11.attention >27 <31,32
16 h0.context >34 <4,33
17 h1.context >34 <5,33
18 h2.context >34 <6,33
19 h3.context >34 <7,33
20 h4.context >34 <8,33
21 h5.context >34 <9,33
22 h6.context >34 <10,33
23 h7.context >34 <11,33
24 h8.context >34 <12,33
25 h9.context >34 <13,33
26 h10.context >34 <14,33
27 h11.context >34 <15,33
28 out_proj >29 <34
29 ln_attn >4 <28,30
30 virtual broadcast >1,2,3,29 <3
31 comm scatter >4,5,6,7,8,9,10,11,12,13,14,15 <1
32 comm scatter >4,5,6,7,8,9,10,11,12,13,14,15 <1
33 comm scatter >16,17,18,19,20,21,22,23,24,25,26,27 <3
34 comm gather >28 <16,17,18,19,20,21,22,23,24,25,26,27
cluster 1:
0 gmi > <
1 ffn1 >2 <4
2 ffn2 >3 <1
3 ln_ffn >30 <2,4
4 virtual broadcast >1,3 <29
)";

// One cluster, every partition 2. utils.py: broadcast 48 goes to >34,35 (not LN2, 38).
constexpr const char* kPartitionsTwo = R"(cluster 0:
0 gmi > <
1 q.p0 >40 <39
2 q.p1 >41 <39
3 k.p0 >42 <39
4 k.p1 >43 <39
5 v.p0 >44 <39
6 v.p1 >45 <39
7 h0.attention >19 <40,42
8 h1.attention >20 <40,42
9 h2.attention >21 <40,42
10 h3.attention >22 <40,42
11 h4.attention >23 <40,42
12 h5.attention >24 <40,42
13 h6.attention >25 <41,43
14 h7.attention >26 <41,43
15 h8.attention >27 <41,43
16 h9.attention >28 <41,43
17 h10.attention >29 <41,43
18 h11.attention >30 <41,43
19 h0.context >46 <7,44
20 h1.context >46 <8,44
21 h2.context >46 <9,44
22 h3.context >46 <10,44
23 h4.context >46 <11,44
24 h5.context >46 <12,44
25 h6.context >46 <13,45
26 h7.context >46 <14,45
27 h8.context >46 <15,45
28 h9.context >46 <16,45
29 h10.context >46 <17,45
30 h11.context >46 <18,45
31 out_proj.p0 >47 <46
32 out_proj.p1 >47 <46
33 ln_attn >48 <47,39
34 ffn1.p0 >49 <48
35 ffn1.p1 >49 <48
36 ffn2.p0 >50 <49
37 ffn2.p1 >50 <49
38 ln_ffn >39 <50,48
39 virtual broadcast >1,2,3,4,5,6,33 <38
40 comm scatter >7,8,9,10,11,12 <1
41 comm scatter >13,14,15,16,17,18 <2
42 comm scatter >7,8,9,10,11,12 <1
43 comm scatter >13,14,15,16,17,18 <2
44 comm scatter >19,20,21,22,23,24 <5
45 comm scatter >25,26,27,28,29,30 <6
46 comm gather_broadcast >31,32 <19,20,21,22,23,24,25,26,27,28,29,30
47 comm gather >33 <31,32
48 comm broadcast >34,35,38 <33
49 comm gather_broadcast >36,37 <34,35
50 comm gather >38 <36,37
)";

// Six clusters with partitions q/k/v 3, out_proj 1, ffn1 2, ffn2 1. utils.py: FFN2's input gather
// (cluster 4, ID 2) lists FFN1's bypass kernel (3) as a third source: <1,2,3, and would wait for
// it.
constexpr const char* kSixFpgaPartitions = R"(cluster 0:
0 gmi > <
1 q.p0 >25 <11
2 q.p1 >26 <11
3 q.p2 >27 <11
4 k.p0 >28 <11
5 k.p1 >29 <11
6 k.p2 >30 <11
7 v.p0 >31 <11
8 v.p1 >32 <11
9 v.p2 >33 <11
10 bypass >4 <
11 virtual broadcast >1,2,3,4,5,6,7,8,9,10 <1
cluster 1:
0 gmi > <
1 h0.attention >13 <25,28
2 h1.attention >14 <25,28
3 h2.attention >15 <25,28
4 h3.attention >16 <25,28
5 h4.attention >17 <26,29
6 h5.attention >18 <26,29
7 h6.attention >19 <26,29
8 h7.attention >20 <26,29
9 h8.attention >21 <27,30
10 h9.attention >22 <27,30
11 h10.attention >23 <27,30
12 h11.attention >24 <27,30
13 h0.context >3 <1,31
14 h1.context >3 <2,31
15 h2.context >3 <3,31
16 h3.context >3 <4,31
17 h4.context >3 <5,32
18 h5.context >3 <6,32
19 h6.context >3 <7,32
20 h7.context >3 <8,32
21 h8.context >3 <9,33
22 h9.context >3 <10,33
23 h10.context >3 <11,33
24 h11.context >3 <12,33
25 virtual scatter >1,2,3,4 <1
26 virtual scatter >5,6,7,8 <2
27 virtual scatter >9,10,11,12 <3
28 virtual scatter >1,2,3,4 <4
29 virtual scatter >5,6,7,8 <5
30 virtual scatter >9,10,11,12 <6
31 virtual scatter >13,14,15,16 <7
32 virtual scatter >17,18,19,20 <8
33 virtual scatter >21,22,23,24 <9
cluster 2:
0 gmi > <
1 out_proj >2 <3
2 ln_attn >4 <1,11
3 virtual gather_broadcast >1 <13,14,15,16,17,18,19,20,21,22,23,24
4 virtual forward >2 <
cluster 3:
0 gmi > <
1 ffn1.p0 >2 <4
2 ffn1.p1 >2 <4
3 bypass >3 <
4 virtual broadcast >1,2,3 <2
cluster 4:
0 gmi > <
1 ffn2 >2 <2
2 virtual gather >1 <1,2
cluster 5:
0 gmi > <
1 ln_ffn >11 <2,3
2 virtual forward >1 <1
3 virtual forward >1 <
)";

// [[attention_0, attention_1], [attention_2, attention_output_0, attention_output_1],
// [intermediate_0], [intermediate_output_0], [intermediate_output_1]]. utils.py sends every head
// (cluster 0, IDs 5..16) to cluster 1's last forward virtual kernel, 17, which is LN1's residual
// bypass: >17. atoll sends them to the forward kernel that feeds the context heads, 16. utils.py
// lists Q's kernel (1) as the source of V's scatter (cluster 1, ID 15); atoll keeps that. A
// context head's sources are the probabilities' forward then V's scatter, <16,15 (utils.py:
// <15,16, which the Arbiter would route to the wrong inputs).
constexpr const char* kHeadsApart = R"(cluster 0:
0 gmi > <
1 q >18 <17
2 k >19 <17
3 v >15 <17
4 bypass >17 <
5 h0.attention >16 <18,19
6 h1.attention >16 <18,19
7 h2.attention >16 <18,19
8 h3.attention >16 <18,19
9 h4.attention >16 <18,19
10 h5.attention >16 <18,19
11 h6.attention >16 <18,19
12 h7.attention >16 <18,19
13 h8.attention >16 <18,19
14 h9.attention >16 <18,19
15 h10.attention >16 <18,19
16 h11.attention >16 <18,19
17 virtual broadcast >1,2,3,4 <1
18 comm scatter >5,6,7,8,9,10,11,12,13,14,15,16 <1
19 comm scatter >5,6,7,8,9,10,11,12,13,14,15,16 <1
cluster 1:
0 gmi > <
1 h0.context >18 <16,15
2 h1.context >18 <16,15
3 h2.context >18 <16,15
4 h3.context >18 <16,15
5 h4.context >18 <16,15
6 h5.context >18 <16,15
7 h6.context >18 <16,15
8 h7.context >18 <16,15
9 h8.context >18 <16,15
10 h9.context >18 <16,15
11 h10.context >18 <16,15
12 h11.context >18 <16,15
13 out_proj >14 <18
14 ln_attn >3 <13,17
15 virtual scatter >1,2,3,4,5,6,7,8,9,10,11,12 <1
16 virtual forward >1,2,3,4,5,6,7,8,9,10,11,12 <
17 virtual forward >14 <
18 comm gather >13 <1,2,3,4,5,6,7,8,9,10,11,12
cluster 2:
0 gmi > <
1 ffn1 >2 <3
2 bypass >3 <
3 virtual broadcast >1,2 <14
cluster 3:
0 gmi > <
1 ffn2 >2 <2
2 virtual forward >1 <1
cluster 4:
0 gmi > <
1 ln_ffn >17 <2,3
2 virtual forward >1 <1
3 virtual forward >1 <
)";

graph::Grouping groups(const std::vector<std::vector<std::string>>& names) {
  graph::Grouping g;
  for (const auto& group : names) {
    g.emplace_back();
    for (const std::string& n : group) g.back().push_back(graph::sublayer_from_string(n, "test"));
  }
  return g;
}

const graph::Grouping kSixFpgaGrouping = groups({{"attention_0"},
                                                 {"attention_1", "attention_2"},
                                                 {"attention_output_0", "attention_output_1"},
                                                 {"intermediate_0"},
                                                 {"intermediate_output_0"},
                                                 {"intermediate_output_1"}});

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

TEST(GalapagosNumbering, OtherGroupingsAreUtilsPy) {
  EXPECT_EQ(dump(number(encoder(), kSixFpgaGrouping), encoder()), kSixFpga);
  const graph::Graph six = encoder(1, 3, 1, 2, 1);
  EXPECT_EQ(dump(number(six, kSixFpgaGrouping), six), kSixFpgaPartitions);
  const graph::Grouping two = groups(
      {{"attention_0", "attention_1", "attention_2", "attention_output_0", "attention_output_1"},
       {"intermediate_0", "intermediate_output_0", "intermediate_output_1"}});
  EXPECT_EQ(dump(number(encoder(), two), encoder()), kTwoClusters);
  const graph::Graph parts = encoder(1, 2, 2, 2, 2);
  EXPECT_EQ(dump(number(parts, graph::single_cluster_grouping()), parts), kPartitionsTwo);
  const graph::Grouping apart = groups({{"attention_0", "attention_1"},
                                        {"attention_2", "attention_output_0", "attention_output_1"},
                                        {"intermediate_0"},
                                        {"intermediate_output_0"},
                                        {"intermediate_output_1"}});
  EXPECT_EQ(dump(number(encoder(), apart), encoder()), kHeadsApart);
}

TEST(GalapagosNumbering, CrossClusterAddressesNameTheCluster) {
  const Galapagos n = number(encoder(), kSixFpgaGrouping);
  auto kernel = [&](int c, std::uint32_t id) { return n.clusters[c].kernels[id]; };
  // Q sends to the Q scatter of the heads' cluster; the bypass to LN1's cluster.
  EXPECT_EQ(kernel(0, 1).dests, (std::vector<GalapagosAddress>{{1, 25}}));
  EXPECT_EQ(kernel(0, 4).kind, GalapagosKind::bypass);
  EXPECT_EQ(kernel(0, 4).dests, (std::vector<GalapagosAddress>{{2, 4}}));
  EXPECT_EQ(kernel(2, 4).kind, GalapagosKind::virtual_kernel);
  // LN1: out_proj in its cluster; the residual's origin as utils.py names it, the input
  // broadcast of cluster 0 (a Cluster Builder arbiter only matches the first source).
  EXPECT_EQ(kernel(2, 2).sources, (std::vector<GalapagosAddress>{{2, 1}, {0, 5}}));
  EXPECT_EQ(kernel(3, 3).sources, (std::vector<GalapagosAddress>{{2, 2}}));
  EXPECT_EQ(kernel(5, 1).sources, (std::vector<GalapagosAddress>{{5, 2}, {5, 3}}));
}

TEST(GalapagosNumbering, LayersChainThroughTheirClusters) {
  const graph::Graph g = encoder(3);
  const Galapagos n = number(g, kSixFpgaGrouping);
  ASSERT_EQ(n.clusters.size(), 18u);
  for (int layer = 0; layer < 3; ++layer) {
    // Every layer is numbered alike; its clusters come after the previous layer's.
    EXPECT_EQ(dump(n, g, layer), kSixFpga) << "layer " << layer;
    EXPECT_EQ(n.clusters[6 * layer].layer, layer);
    EXPECT_EQ(n.clusters[6 * layer + 5].sublayers,
              (std::vector<Sublayer>{Sublayer::intermediate_output_1}));
  }
  const int host = GalapagosAddress::kHost;
  // LN2 (ID 1 of each layer's last cluster) feeds the next layer's input broadcast (ID 5 of its
  // first cluster); the host feeds layer 0 and takes the last layer's output.
  EXPECT_EQ(n.clusters[0].kernels[5].sources, (std::vector<GalapagosAddress>{{host, 1}}));
  EXPECT_EQ(n.clusters[5].kernels[1].dests, (std::vector<GalapagosAddress>{{6, 5}}));
  EXPECT_EQ(n.clusters[6].kernels[5].sources, (std::vector<GalapagosAddress>{{5, 1}}));
  EXPECT_EQ(n.clusters[17].kernels[1].dests, (std::vector<GalapagosAddress>{{host, 5}}));
  // The graph's source and sink are the host: no Galapagos kernel.
  const std::vector<GalapagosAddress> a = graph_kernel_addresses(n, g.kernels.size());
  ASSERT_EQ(a.size(), g.kernels.size());
  EXPECT_EQ(a.front(), (GalapagosAddress{host, 0}));
  EXPECT_EQ(a.back(), (GalapagosAddress{host, 0}));
  for (std::size_t k = 1; k + 1 < a.size(); ++k) {
    const GalapagosKernel& x = n.clusters[a[k].cluster].kernels[a[k].id];
    EXPECT_EQ(x.graph_kernel, static_cast<int>(k));
    EXPECT_EQ(n.clusters[a[k].cluster].layer, g.kernels[k].layer);
  }
}

TEST(GalapagosNumbering, NodesFollowThePlacement) {
  const graph::Graph g = encoder();
  std::vector<int> node(g.kernels.size());
  for (std::size_t k = 0; k < node.size(); ++k) node[k] = static_cast<int>(k) + 100;
  const Galapagos n = number_galapagos(g, graph::single_cluster_grouping(), node);
  const std::vector<GalapagosKernel>& ks = n.clusters[0].kernels;
  for (const GalapagosKernel& k : ks) {
    if (k.kind == GalapagosKind::compute) {
      EXPECT_EQ(k.node, k.graph_kernel + 100) << k.id;
    }
  }
  EXPECT_EQ(ks[0].node, ks[1].node);    // kernel 0 with kernel 1 (Q)
  EXPECT_EQ(ks[33].node, ks[0].node);   // the input broadcast inside kernel 0
  EXPECT_EQ(ks[34].node, ks[1].node);   // Q's scatter with Q
  EXPECT_EQ(ks[35].node, ks[2].node);   // K's scatter with K
  EXPECT_EQ(ks[37].node, ks[16].node);  // the heads' gather with head 0's context kernel
  EXPECT_EQ(ks[38].node, ks[29].node);  // LN1's broadcast with LN1
  const Galapagos six = number_galapagos(g, kSixFpgaGrouping, node);
  EXPECT_EQ(six.clusters[0].kernels[4].node, six.clusters[0].kernels[1].node);  // bypass with Q
}

core::ErrorKind kind_of(const graph::Graph& g, const graph::Grouping& grouping,
                        std::string* message = nullptr) {
  try {
    number(g, grouping);
  } catch (const core::Error& e) {
    if (message != nullptr) *message = e.what();
    return e.kind();
  }
  return core::ErrorKind::internal;
}

TEST(GalapagosNumbering, RefusesWhatClusterBuilderCannotNumber) {
  std::string message;
  // Groups out of data-flow order: utils.py gives colliding IDs.
  EXPECT_EQ(kind_of(encoder(),
                    groups({{"attention_0", "attention_2"},
                            {"attention_1", "attention_output_0", "attention_output_1",
                             "intermediate_0", "intermediate_output_0", "intermediate_output_1"}}),
                    &message),
            core::ErrorKind::unsupported);
  EXPECT_NE(message.find("grouping[0]: 'attention_2' comes where 'attention_1' is due"),
            std::string::npos)
      << message;
  EXPECT_EQ(kind_of(encoder(), groups({{"attention_0"}})), core::ErrorKind::invalid_input);
  // Q, K and V with different partitions.
  model::ModelConfig c = graph::model_config(encoder());
  graph::KnobMap knobs = graph::ibert::default_knobs();
  knobs[ibert::k].partition = 2;
  EXPECT_EQ(kind_of(graph::build_graph(c, knobs), kSixFpgaGrouping, &message),
            core::ErrorKind::unsupported);
  EXPECT_NE(message.find("kernel 'l0.k.p0' is one of 2 partitions but q has 1"), std::string::npos)
      << message;
  // Not an encoder.
  graph::Graph toy = encoder();
  toy.kernels.erase(toy.kernels.begin() + 3);  // l0.v
  EXPECT_EQ(kind_of(toy, kSixFpgaGrouping, &message), core::ErrorKind::unsupported);
  EXPECT_NE(message.find("layer 0 lacks v kernels"), std::string::npos) << message;
  EXPECT_THROW(number_galapagos(encoder(), kSixFpgaGrouping, {0, 1}), core::Error);
}

TEST(GalapagosNumbering, MoreThan255IdsInAClusterDoNotFit) {
  model::ModelConfig c;
  c.name = "wide";
  c.layers = 1;
  c.heads = 126;
  c.hidden = 126;
  c.intermediate = 64;
  c.seq_len = 4;
  // One cluster: 3 + 2 * 126 + 5 compute kernels, the input broadcast, 5 comm kernels: ID 266.
  const graph::Graph g = graph::build_graph(c);
  std::string message;
  EXPECT_EQ(kind_of(g, graph::single_cluster_grouping(), &message), core::ErrorKind::does_not_fit);
  EXPECT_EQ(message,
            "Galapagos cluster 0 (layer 0: attention_0, attention_1, attention_2, "
            "attention_output_0, attention_output_1, intermediate_0, intermediate_output_0, "
            "intermediate_output_1) needs 267 kernel IDs (0..266) but the 8-bit TDEST allows "
            "0..255; use a finer grouping (fewer sub-layers per cluster) or fewer partitions");
  // Split, the largest cluster (126 + 126 heads, 3 scatters, kernel 0) just fits: IDs 0..255.
  const Galapagos six = number(g, kSixFpgaGrouping);
  EXPECT_EQ(six.clusters[1].kernels.size(), 256u);
  EXPECT_EQ(six.clusters[1].kernels.back().id, 255u);
  // 300 heads fit no grouping.
  c.heads = c.hidden = 300;
  const graph::Graph heads300 = graph::build_graph(c);
  EXPECT_EQ(kind_of(heads300, kSixFpgaGrouping), core::ErrorKind::does_not_fit);
  EXPECT_EQ(kind_of(heads300, groups({{"attention_0"},
                                      {"attention_1"},
                                      {"attention_2"},
                                      {"attention_output_0", "attention_output_1", "intermediate_0",
                                       "intermediate_output_0", "intermediate_output_1"}})),
            core::ErrorKind::does_not_fit);
}
}  // namespace
}  // namespace atl::plan
