#include "codegen/hls_checks.h"

#include <gtest/gtest.h>

#include "bundle_inputs.h"
#include "core/error.h"

namespace atl::codegen {
namespace {

struct HlsChecks : ::testing::Test {
  plan::Plan plan = test::example_plan();
  graph::Stage& stage(const std::string& kernel, std::size_t i) {
    const int g = test::graph_index(plan, kernel);
    EXPECT_GE(g, 0) << kernel;
    return plan.graph.kernels.at(static_cast<std::size_t>(g)).stages.at(i);
  }
  // The message and kind check_buildable throws, "" when it passes.
  std::pair<std::string, core::ErrorKind> refusal() const {
    try {
      check_buildable(plan, view_cluster(plan, 0, test::boards()), test::catalogue());
      return {"", core::ErrorKind::internal};
    } catch (const core::Error& e) {
      return {e.what(), e.kind()};
    }
  }
};

TEST_F(HlsChecks, TheExamplePlanPasses) {
  EXPECT_EQ(refusal().first, "");
}

TEST_F(HlsChecks, LanesThatDoNotDivideTheOutputRows) {
  stage("l0.q", 0).knobs.pe = 7;
  EXPECT_EQ(refusal(), std::make_pair(std::string("cluster_0/kern_1 (compute l0.q (q)): stage 0 "
                                                  "(linear): pe = 7 does not divide its output "
                                                  "rows M = 768"),
                                      core::ErrorKind::invalid_input));
}

TEST_F(HlsChecks, ATileThatDoesNotDivideTheDotProduct) {
  stage("l0.ffn1", 0).knobs.tile = 5;  // neither 5 x 64 nor 5 divides K = 768
  EXPECT_EQ(refusal().first,
            "cluster_0/kern_30 (compute l0.ffn1 (ffn1)): stage 0 (linear): tile = 5 does not "
            "divide its input width K = 768");
  stage("l0.ffn1", 0).knobs.tile = 3;  // 3 x 64 = 192 divides 768
  EXPECT_EQ(refusal().first, "");
}

TEST_F(HlsChecks, AnUnrollThatDoesNotDivideTheChannels) {
  stage("l0.ln_attn", 1).knobs.unroll = 7;
  EXPECT_EQ(refusal().first,
            "cluster_0/kern_29 (compute l0.ln_attn (ln_attn)): stage 1 (layernorm): unroll = 7 "
            "does not divide its channels M = 768");
}

TEST_F(HlsChecks, APeThatDoesNotDivideTheHeadWidth) {
  stage("l0.h3.attention", 0).knobs.pe = 3;
  EXPECT_EQ(refusal().first,
            "cluster_0/kern_7 (compute l0.h3.attention (attention)): stage 0 (attention_matmul): "
            "pe = 3 does not divide its head width K = 64");
}

TEST_F(HlsChecks, MoreDspsThanTheBoardHas) {
  // 4 x 48 lanes of 64 MACs, 2 a DSP48E2: 6144, and 48 for GELU and QuantAct; 1968 on the board
  stage("l0.ffn1", 0).knobs.pe = 48;
  EXPECT_EQ(refusal(), std::make_pair(std::string("cluster_0/kern_30 (compute l0.ffn1 (ffn1)): "
                                                  "its knobs need 6192 DSPs (cost model, "
                                                  "docs/cost-model.md) but board sidewinder-100 "
                                                  "has 1968 (catalogue resources.dsp)"),
                                      core::ErrorKind::does_not_fit));
}

TEST_F(HlsChecks, ARemoteClusterIndexThatIsALocalDest) {
  // LN2 (32) sending to kernel 1 here and to cluster 1: both would leave with TDEST 1.
  plan.galapagos.clusters[0].kernels[32].dests = {{0, 1}, {1, 0}};
  EXPECT_EQ(refusal(), std::make_pair(std::string("cluster_0/kern_32 (compute l0.ln_ffn (ln_ffn)): "
                                                  "sends to cluster_1 (TDEST 1) and to local "
                                                  "kernel 1: one TDEST for two destinations"),
                                      core::ErrorKind::unsupported));
}

TEST_F(HlsChecks, TheHostAndALocalKernel255) {
  plan.galapagos.clusters[0].kernels[32].dests = {{plan::GalapagosAddress::kHost, 0}, {0, 255}};
  EXPECT_EQ(refusal().first,
            "cluster_0/kern_32 (compute l0.ln_ffn (ln_ffn)): sends to the host (TDEST 255) and to "
            "local kernel 255: one TDEST for two destinations");
}

TEST_F(HlsChecks, ABoardMissingFromTheCatalogue) {
  hw::Catalogue without = test::catalogue();
  without.erase("sidewinder-100");
  try {
    catalogue_device(plan, 2, without);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_STREQ(e.what(),
                 "plan: cluster.nodes[2] (fpga2): board 'sidewinder-100' is not in the "
                 "device catalogue");
  }
}

}  // namespace
}  // namespace atl::codegen
