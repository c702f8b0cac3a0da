#include "map/placement.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "graph/arch_ibert.h"

namespace atl::map {
namespace {

graph::Graph one_layer() {
  model::ModelConfig c;
  c.name = "small";
  c.layers = 1;
  c.hidden = 128;
  c.heads = 2;
  c.intermediate = 256;
  c.seq_len = 8;
  return graph::build_graph(c);
}

hw::Cluster three_nodes() {
  hw::Cluster c;
  c.name = "three";
  for (const char* n : {"fpga0", "fpga1", "fpga2"}) c.nodes.push_back({n, {}});
  return c;
}

std::string error_of(const std::string& text) {
  try {
    parse_placement(text, "p.yaml", one_layer(), three_nodes());
  } catch (const core::Error& e) {
    return e.what();
  }
  return "no error";
}

constexpr const char* kGood =
    "placement:\n"
    "  fpga0: [l0.q, l0.k, l0.v]\n"
    "  fpga1: ['l0.h*']\n"
    "  fpga2: [l0.out_proj, l0.ln_attn, l0.ffn1, l0.ffn2, l0.ln_ffn]\n";

TEST(Glob, MatchesWholeNames) {
  EXPECT_TRUE(matches("l0.h*", "l0.h1.attention"));
  EXPECT_TRUE(matches("*.attention", "l3.h11.attention"));
  EXPECT_TRUE(matches("l*.h1*.c*", "l0.h12.context"));
  EXPECT_TRUE(matches("l0.q", "l0.q"));
  EXPECT_FALSE(matches("l0.q", "l0.q.p0"));
  EXPECT_FALSE(matches("l0.h*", "l1.h0.attention"));
  EXPECT_FALSE(matches("*.ctx", "l0.h0.context"));
}

TEST(Placement, HonoursNodesPatternsAndPlacesEndpoints) {
  const graph::Graph g = one_layer();
  const std::vector<int> node_of = parse_placement(kGood, "p.yaml", g, three_nodes());
  ASSERT_EQ(node_of.size(), g.kernels.size());
  for (std::size_t k = 0; k < g.kernels.size(); ++k) {
    const graph::Kernel& kernel = g.kernels[k];
    int expected = 2;
    if (kernel.role == graph::ibert::source || kernel.role == graph::ibert::q ||
        kernel.role == graph::ibert::k || kernel.role == graph::ibert::v) {
      expected = 0;  // the source sits with the Q/K/V it feeds
    } else if (kernel.head >= 0) {
      expected = 1;
    }
    EXPECT_EQ(node_of[k], expected) << kernel.name;
  }
}

TEST(Placement, JsonWorksToo) {
  const std::string json =
      R"({"placement": {"fpga0": ["l0.q", "l0.k", "l0.v", "l0.h*"],
                        "fpga1": ["l0.out_proj", "l0.ln_attn", "l0.ffn*", "l0.ln_ffn"]}})";
  const std::vector<int> node_of = parse_placement(json, "p.json", one_layer(), three_nodes());
  EXPECT_EQ(node_of.front(), 0);  // source
  EXPECT_EQ(node_of.back(), 1);   // sink, with ln_ffn
}

TEST(Placement, KernelToNodeFormMixesWithNodeLists) {
  const std::string text =
      "placement:\n"
      "  fpga0: [l0.q, l0.k, l0.v]\n"
      "kernels:\n"
      "  'l0.h*': fpga1\n"
      "  l0.out_proj: fpga2\n"
      "  l0.ln_attn: fpga2\n"
      "  'l0.ffn*': fpga2\n"
      "  l0.ln_ffn: fpga2\n";
  const graph::Graph g = one_layer();
  EXPECT_EQ(parse_placement(text, "p.yaml", g, three_nodes()),
            parse_placement(kGood, "p.yaml", g, three_nodes()));
  EXPECT_EQ(error_of("kernels:\n  l0.q: fpga7\n"),
            "p.yaml: kernels.l0.q: unknown node 'fpga7' (cluster 'three' has fpga0, fpga1, fpga2)");
  EXPECT_EQ(error_of("placement:\n  fpga0: [l0.q]\nkernels:\n  l0.q: fpga1\n"),
            "p.yaml: kernels.l0.q: kernel 'l0.q' is already placed on node 'fpga0'");
  EXPECT_EQ(error_of("kernels:\n  l0.x: fpga1\n"),
            "p.yaml: kernels.l0.x: unknown kernel 'l0.x' (no kernel of graph 'small' matches)");
}

TEST(Placement, Errors) {
  EXPECT_EQ(error_of("placement:\n  fpga9: [l0.q]\n"),
            "p.yaml: placement.fpga9: unknown node 'fpga9' (cluster 'three' has fpga0, fpga1, "
            "fpga2)");
  EXPECT_EQ(error_of("placement:\n  fpga0: [l0.q, l0.z]\n"),
            "p.yaml: placement.fpga0[1]: unknown kernel 'l0.z' (no kernel of graph 'small' "
            "matches)");
  EXPECT_EQ(error_of("placement:\n  fpga0: [l0.q]\n  fpga1: ['l0.*']\n"),
            "p.yaml: placement.fpga1[0]: kernel 'l0.q' is already placed on node 'fpga0'");
  EXPECT_EQ(error_of("placement:\n  fpga0: [l0.q, l0.k, l0.v, 'l0.h*', l0.out_proj]\n"),
            "p.yaml: kernels not placed on any node: l0.ln_attn, l0.ffn1, l0.ffn2, l0.ln_ffn, "
            "sink");
  EXPECT_EQ(error_of("fpga0: [l0.q]\n"),
            "p.yaml: expected a map 'placement' of node name -> kernel list and/or a map "
            "'kernels' of kernel name -> node name");
  EXPECT_EQ(error_of("placement:\n  fpga0: l0.q\n"),
            "p.yaml: placement.fpga0: expected a list of kernel names");
}

}  // namespace
}  // namespace atl::map
