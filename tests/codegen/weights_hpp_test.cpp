#include "codegen/weights_hpp.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "bundle_inputs.h"
#include "literal.h"
#include "platform/stage_params.h"

namespace atl::codegen {
namespace {

struct WeightsHpp : ::testing::Test {
  plan::Plan plan = test::example_plan();
  const model::LayerWeights& layer = test::example_weights().layers[0];
  std::string of(std::uint32_t id) const {
    return weights_hpp(plan, view_cluster(plan, 0, test::boards()),
                       plan.galapagos.clusters[0].kernels[id], test::example_weights());
  }
  // The text from the definition of `name` on (literal_bytes stops at its end).
  static std::string definition(const std::string& h, const std::string& name) {
    const std::size_t at = h.find(name);
    return at == std::string::npos ? "" : h.substr(at);
  }
};

TEST_F(WeightsHpp, Ffn1HoldsItsLinearGeluAndQuantActAsTheWrapperReadsThem) {
  const std::string h = of(30);
  EXPECT_NE(h.find("namespace cluster_0 {\n\nstruct kern_30_weights {\n"
                   "  // stage 0: linear\n"
                   "  static const std::int8_t weight[];\n"
                   "  static const std::int32_t bias[];\n"
                   "  // stage 1: gelu\n"
                   "  static const std::int64_t gelu_b[];\n"
                   "  static const std::int64_t gelu_c[];\n"
                   "  static const std::int64_t gelu_shift[];\n"
                   "  static const int gelu_count = 3072;\n"
                   "  static const int gelu_k = 14;\n"
                   "  // stage 2: quant_act\n"
                   "  static const std::int64_t act_m[];\n"
                   "  static const int act_e[];\n"
                   "  static const int act_count = 3072;\n"
                   "  static const int act_out_bits = 8;\n"
                   "};\n"),
            std::string::npos)
      << h.substr(0, 2000);
  const std::string w = definition(h, "const std::int8_t kern_30_weights::weight[2359296 + 1] =");
  const std::vector<std::int8_t> bytes = test::literal_bytes(w);
  ASSERT_EQ(bytes.size(), 2359296u);
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), layer.ffn1.weight.data()));
  EXPECT_NE(h.find(fmt::format("const std::int32_t kern_30_weights::bias[3072] = {{\n    {}, {},",
                               layer.ffn1.bias[0], layer.ffn1.bias[1])),
            std::string::npos);
  EXPECT_NE(h.find(fmt::format("const std::int64_t kern_30_weights::act_m[3072] = {{\n    {},",
                               layer.act_gelu.m[0])),
            std::string::npos);
  EXPECT_EQ(h.substr(h.size() - 26), "}  // namespace cluster_0\n");
}

TEST_F(WeightsHpp, SoftmaxConstantsAreInClassScalars) {
  const std::string h = of(4);  // head 0's attention
  EXPECT_NE(h.find(fmt::format("  // stage 0: attention_matmul\n"
                               "  // (no constants: its operand arrives on input port 1)\n"
                               "  // stage 1: softmax\n"
                               "  static const std::int64_t softmax_x0 = {};\n",
                               layer.softmax.x0)),
            std::string::npos)
      << h;
  EXPECT_NE(h.find(fmt::format("  static const int softmax_n = {};\n", layer.softmax.n)),
            std::string::npos);
}

TEST_F(WeightsHpp, NormHoldsTheIdentityRequantisationAndLayerNorm) {
  const std::string h = of(29);
  EXPECT_NE(h.find(fmt::format("  // stage 0: residual_act\n"
                               "  static const std::int64_t ident_m[];\n"
                               "  static const int ident_e[];\n"
                               "  static const int ident_count = {};\n",
                               layer.res_attn.identity.m.size())),
            std::string::npos)
      << h;
  EXPECT_NE(h.find(fmt::format("  // stage 1: layernorm\n  static const int ln_shift = {};\n"
                               "  static const std::int64_t ln_bias[];\n",
                               layer.ln_attn.shift)),
            std::string::npos);
  EXPECT_NE(h.find("const std::int64_t kern_29_weights::ln_bias[768] = {"), std::string::npos);
}

TEST_F(WeightsHpp, ATensorParallelPartHoldsItsRowsOnly) {
  // FFN1 as part 1 of 4: output rows 768..1535 of the layer's 3072.
  graph::Kernel& g =
      plan.graph.kernels[static_cast<std::size_t>(test::graph_index(plan, "l0.ffn1"))];
  g.part = 1;
  g.parts = 4;
  for (graph::Stage& s : g.stages) s.m = 768;
  const std::string h = of(30);
  const std::vector<std::int8_t> bytes =
      test::literal_bytes(definition(h, "const std::int8_t kern_30_weights::weight[589824 + 1] ="));
  ASSERT_EQ(bytes.size(), 589824u);
  EXPECT_TRUE(std::equal(bytes.begin(), bytes.end(), layer.ffn1.weight.data() + 768 * 768));
  EXPECT_NE(h.find(fmt::format("const std::int32_t kern_30_weights::bias[768] = {{\n    {},",
                               layer.ffn1.bias[768])),
            std::string::npos);
  EXPECT_NE(h.find("  static const int act_count = 768;\n"), std::string::npos);
}

TEST_F(WeightsHpp, CommKernelsHaveNone) {
  EXPECT_EQ(of(34),
            "// kern_34/weights.hpp of cluster_0: written by atoll build, do not edit.\n"
            "// comm scatter: no weights (top.cpp does not include this file).\n#pragma once\n");
}

}  // namespace
}  // namespace atl::codegen
