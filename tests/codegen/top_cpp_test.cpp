#include "codegen/top_cpp.h"

#include <gtest/gtest.h>

#include "bundle_inputs.h"
#include "core/error.h"

namespace atl::codegen {
namespace {

struct TopCpp : ::testing::Test {
  plan::Plan plan = test::example_plan();
  std::string of(std::uint32_t id) const {
    return top_cpp(plan, view_cluster(plan, 0, test::boards()),
                   plan.galapagos.clusters[0].kernels[id]);
  }
};

TEST_F(TopCpp, Ffn1CallsTheLinearGeluActWrapperWithItsStructs) {
  EXPECT_EQ(
      of(30),
      "// kern_30/top.cpp of cluster_0: written by atoll build, do not edit.\n"
      "// compute l0.ffn1 (ffn1): linear, gelu, quant_act. One call reads one sequence's "
      "packets and writes all of its output packets.\n"
      "#include \"kernels/hls/galapagos_kernels.h\"\n"
      "#include \"parameters.hpp\"\n"
      "#include \"weights.hpp\"\n\n"
      "#ifndef ATOLL_TOP\n#define ATOLL_TOP kern_30\n#endif\n\n"
      "void ATOLL_TOP(atl::kernels::hls::BeatStream& in_r, atl::kernels::hls::BeatStream& "
      "out_r) {\n"
      "  ATL_HLS(HLS INTERFACE axis port = in_r)\n"
      "  ATL_HLS(HLS INTERFACE axis port = out_r)\n"
      "  ATL_HLS(HLS INTERFACE ap_ctrl_none port = return)\n"
      "  atl::kernels::hls::linear_gelu_act_kernel<cluster_0::kern_30_params, "
      "cluster_0::kern_30_linear_0, cluster_0::kern_30_gelu_1, cluster_0::kern_30_quant_act_2, "
      "cluster_0::kern_30_weights>(in_r, out_r);\n"
      "}\n");
}

TEST_F(TopCpp, EveryKindHasItsWrapper) {
  const ClusterView view = view_cluster(plan, 0, test::boards());
  const auto& k = plan.galapagos.clusters[0].kernels;
  EXPECT_EQ(wrapper_of(plan, view, k[1]), "linear_act_kernel");  // q
  EXPECT_EQ(wrapper_of(plan, view, k[4]), "attention_kernel");   // head 0
  EXPECT_EQ(wrapper_of(plan, view, k[16]), "context_kernel");    // head 0
  EXPECT_EQ(wrapper_of(plan, view, k[29]), "norm_kernel");       // ln_attn
  EXPECT_EQ(wrapper_of(plan, view, k[34]), "comm_kernel");       // scatter
  EXPECT_EQ(wrapper_of(plan, view, k[0]), "gmi_kernel");
  EXPECT_NE(of(0).find("  atl::kernels::hls::gmi_kernel<cluster_0::kern_0_params, "
                       "cluster_0::virtual_33_params>(in_r, out_r);\n"),
            std::string::npos);
  EXPECT_NE(of(37).find("#include \"parameters.hpp\"\n\n#ifndef ATOLL_TOP\n"), std::string::npos)
      << "a comm kernel has no weights to include";
  EXPECT_NE(of(37).find("  atl::kernels::hls::comm_kernel<cluster_0::kern_37_params>(in_r, "
                        "out_r);\n"),
            std::string::npos);
}

TEST_F(TopCpp, AStageListWithoutAWrapperIsRefused) {
  graph::Kernel& g = plan.graph.kernels[static_cast<std::size_t>(test::graph_index(plan, "l0.q"))];
  g.stages.insert(g.stages.begin(),
                  graph::Stage{.type = graph::StageType::concat, .m = 768, .k = 0, .knobs = {}});
  try {
    of(1);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::unsupported);
    EXPECT_STREQ(e.what(),
                 "cluster_0/kern_1 (compute l0.q (q)): no HLS wrapper implements the stage list "
                 "concat, linear, quant_act (kernels/hls/galapagos_kernels.h)");
  }
}

}  // namespace
}  // namespace atl::codegen
