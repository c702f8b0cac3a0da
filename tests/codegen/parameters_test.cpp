#include "codegen/parameters.h"

#include <gtest/gtest.h>

#include "published_numbering.h"

namespace atl::codegen {
namespace {

struct Parameters : ::testing::Test {
  plan::Plan plan = test::example_plan();
  plan::Galapagos& galapagos = plan.galapagos;
  ClusterView view = view_cluster(plan, 0, {{"sidewinder-100", "sidewinder"}});
  std::string of(std::uint32_t id) const {
    return parameters_hpp(plan, view, galapagos.clusters[0].kernels[id],
                          platform::wire(plan, galapagos, plan.graph.seq_len));
  }
};

TEST_F(Parameters, ComputeKernelCarriesIdDestsSourcesDimensionsAndKnobs) {
  const std::string h = of(29);
  EXPECT_NE(h.find("// kern_29/parameters.hpp of cluster_0: written by atoll build, do not edit.\n"
                   "// compute l0.ln_attn (ln_attn) on node fpga2 (sidewinder-100).\n"
                   "#pragma once\n"),
            std::string::npos);
  EXPECT_NE(h.find("namespace cluster_0 {\n\n// compute l0.ln_attn (ln_attn)\n"
                   "struct kern_29_params {\n"
                   "  static const unsigned id = 29;\n"
                   "  static const unsigned cluster = 0;\n"
                   "  static const unsigned layer = 0;\n"
                   "  static const atoll_kind kind = ATOLL_COMPUTE;\n"
                   "  static const atoll_op op = ATOLL_FORWARD;\n"
                   "  static const unsigned seq_len = 128;\n"
                   "  static const unsigned num_dests = 1;\n"
                   "  static const unsigned dest_0 = 38;\n"
                   "  static const int dest_0_cluster = 0;\n"
                   "  static unsigned dest_id(unsigned i) {\n"
                   "    static const unsigned v[] = {38};\n    return v[i];\n  }\n"
                   "  static int dest_cluster(unsigned i) {\n"
                   "    static const int v[] = {0};\n    return v[i];\n  }\n"
                   "  static const unsigned num_srcs = 2;\n"
                   "  static const unsigned src_0 = 28;\n"
                   "  static const int src_0_cluster = 0;\n"
                   "  static const unsigned src_1 = 33;\n"
                   "  static const int src_1_cluster = 0;\n"
                   "  static unsigned src_id(unsigned i) {\n"
                   "    static const unsigned v[] = {28, 33};\n    return v[i];\n  }\n"
                   "  static int src_cluster(unsigned i) {\n"
                   "    static const int v[] = {0, 0};\n    return v[i];\n  }\n"
                   "  static const int head = -1;\n"
                   "  static const unsigned part = 0;\n"
                   "  static const unsigned parts = 1;\n"
                   "  static const unsigned out_row_bytes = 768;\n"
                   "};\n"),
            std::string::npos)
      << h;
  EXPECT_EQ(h.substr(h.size() - 30), "};\n\n}  // namespace cluster_0\n");
  // The published knobs: LayerNorm unroll 16, its quant_act unroll 4 (config.json).
  EXPECT_NE(h.find("struct kern_29_layernorm_1 {\n  static const unsigned M = 768;\n"
                   "  static const unsigned K = 0;\n  static const unsigned NUM_TILE = 1;\n"
                   "  static const unsigned NUM_PE = 1;\n"
                   "  static const unsigned UNROLL_FACTOR = 16;\n};\n"),
            std::string::npos)
      << h;
}

TEST_F(Parameters, FfnLinearHasThePublishedTileAndPe) {
  EXPECT_NE(of(30).find("struct kern_30_linear_0 {\n  static const unsigned M = 3072;\n"
                        "  static const unsigned K = 768;\n  static const unsigned NUM_TILE = 4;\n"
                        "  static const unsigned NUM_PE = 12;\n"),
            std::string::npos)
      << of(30);
}

TEST_F(Parameters, KernelZeroListsTheVirtualKernelsItServes) {
  const std::string h = of(0);
  EXPECT_NE(h.find("// virtual broadcast\nstruct virtual_33_params {\n"
                   "  static const unsigned id = 33;\n"),
            std::string::npos)
      << h;
  EXPECT_NE(h.find("  static const unsigned num_dests = 4;\n"
                   "  static const unsigned dest_0 = 1;\n"),
            std::string::npos);
  EXPECT_NE(h.find("struct kern_0_virtual {\n  static const unsigned num_virtual = 1;\n"
                   "  static const unsigned base_id = 33;\n};\n"),
            std::string::npos);
}

TEST_F(Parameters, KernelZeroWithoutAddressesHasTheFunctionsAnyway) {
  EXPECT_NE(of(0).find("  static const unsigned num_dests = 0;\n"
                       "  static unsigned dest_id(unsigned) { return 0; }\n"
                       "  static int dest_cluster(unsigned) { return 0; }\n"),
            std::string::npos)
      << of(0);
}

TEST_F(Parameters, CommKernelsKnowTheirLargestInputRow) {
  // Scatter 34 cuts Q's 768-byte rows for the heads; gather 37 joins 12 contexts of 64 bytes;
  // virtual 33 broadcasts the host's input rows (hidden = 768 int8).
  EXPECT_NE(of(34).find("  static const unsigned in_row_bytes = 768;\n"), std::string::npos);
  EXPECT_NE(of(37).find("  static const unsigned in_row_bytes = 64;\n"), std::string::npos);
  EXPECT_NE(of(0).find("  static const unsigned in_row_bytes = 768;\n"), std::string::npos);
}

TEST_F(Parameters, SourcesAreTheKernelsThatSend) {
  // Cluster Builder lists Q's kernel (1) as the K scatter's source; K's kernel (2) sends to it.
  EXPECT_NE(of(35).find("  static const unsigned num_srcs = 1;\n"
                        "  static const unsigned src_0 = 2;\n"
                        "  static const int src_0_cluster = 0;\n"
                        "  static unsigned src_id(unsigned i) {\n"
                        "    static const unsigned v[] = {2};\n"),
            std::string::npos)
      << of(35);
}

TEST_F(Parameters, HostAddressesAreMarked) {
  galapagos.clusters[0].kernels[32].dests = {{plan::GalapagosAddress::kHost, 0}};
  EXPECT_NE(of(32).find("  static const unsigned dest_0 = 0;\n"
                        "  static const int dest_0_cluster = -1;  // the host\n"),
            std::string::npos);
}

}  // namespace
}  // namespace atl::codegen
