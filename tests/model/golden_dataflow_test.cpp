// The single-process reference's kernels (those Encoder::layer calls, with its fused residual +
// LayerNorm) chained on the golden data: from a layer's input to the output of its attention half
// (self_output/act_layernorm) and through its FFN half, using only the golden inputs of the first
// kernel of each chain. This checks the reference's dataflow (which tensor feeds which kernel,
// head slicing, masking of the padded tokens, residual identities), which the per-kernel golden
// checks alone cannot. What the software nodes send on each stream is checked against the golden
// kernel boundaries in tests/platform/stream_golden_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/npy.h"
#include "kernels/concat.h"
#include "kernels/fused.h"
#include "kernels/gelu.h"
#include "kernels/quant_act.h"
#include "kernels/softmax_matmul.h"
#include "model/encoder.h"

namespace atl::model {
namespace {

namespace fs = std::filesystem;

const fs::path kGolden = fs::path(ATOLL_GOLDEN_DIR) / "encoder";

template <class T>
core::Tensor<T> golden(const fs::path& dir, const char* file) {
  return core::read_npy<T>(dir / (std::string(file) + ".npy"));
}

kernels::QuantActParams act(const fs::path& dir, int bits, const char* m = "m",
                            const char* e = "e") {
  auto mm = golden<std::int64_t>(dir, m).values();
  auto ee = golden<std::int32_t>(dir, e).values();
  return {mm, std::vector<int>(ee.begin(), ee.end()), bits};
}

I32 linear(const fs::path& dir, const I8& x) {
  return kernels::linear(x, golden<std::int8_t>(dir, "weight_integer"),
                         golden<std::int32_t>(dir, "bias_integer").values());
}

class GoldenDataflow : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    if (!fs::is_directory(kGolden)) GTEST_SKIP() << "golden data not found at " << kGolden;
    layer_ = kGolden / std::to_string(GetParam());
  }
  fs::path layer_;
};

// The golden sequence holds 41 real tokens padded to 128 (docs/kernels.md).
constexpr std::int64_t kValidTokens = 41;

TEST_P(GoldenDataflow, AttentionHalfFromLayerInputToLayerNorm) {
  const fs::path sa = layer_ / "self_attention", so = layer_ / "self_output";
  const I8 x = golden<std::int8_t>(sa / "linear_q", "input");
  const I8 q = kernels::quant_act<std::int8_t>(linear(sa / "linear_q", x), act(sa / "act_q", 8));
  const I8 k = kernels::quant_act<std::int8_t>(linear(sa / "linear_k", x), act(sa / "act_k", 8));
  const I8 v = kernels::quant_act<std::int8_t>(linear(sa / "linear_v", x), act(sa / "act_v", 8));
  kernels::SoftmaxParams sm{
      golden<std::int64_t>(sa / "softmax", "x0")[0], golden<std::int64_t>(sa / "softmax", "b")[0],
      golden<std::int64_t>(sa / "softmax", "c")[0],  golden<int>(sa / "softmax", "const")[0],
      golden<std::int64_t>(sa / "softmax", "m")[0],  golden<int>(sa / "softmax", "e")[0]};
  std::vector<I8> heads;
  for (std::int64_t h = 0; h < 12; ++h) {
    const U8 p = attention_head(head_columns(q, h, 64), head_columns(k, h, 64), sm, kValidTokens);
    EXPECT_EQ(p, golden<std::uint8_t>(sa / "softmax", ("output_" + std::to_string(h)).c_str()))
        << "head " << h;
    heads.push_back(kernels::quant_act<std::int8_t>(
        kernels::softmax_matmul(p, head_columns(v, h, 64)), act(sa / "act_out", 8)));
  }
  const I8 ctx = kernels::concat(heads);
  EXPECT_EQ(ctx, golden<std::int8_t>(sa / "act_out", "output"));
  const I32 proj = linear(so / "linear", ctx);
  kernels::ResidualActParams res{act(so / "act_linear", 32),
                                 act(so / "act_linear", 32, "m1", "e1")};
  kernels::LayerNormParams ln{golden<int>(so / "layernorm", "shift")[0],
                              golden<std::int64_t>(so / "layernorm", "bias").values()};
  const I8 a = kernels::residual_layernorm_act(proj, x, res, ln, act(so / "act_layernorm", 8));
  EXPECT_EQ(a, golden<std::int8_t>(so / "act_layernorm", "output"));
}

TEST_P(GoldenDataflow, FfnHalfAroundTheMissingWeights) {
  const fs::path in = layer_ / "intermediate", ou = layer_ / "output";
  // FFN1's accumulator is golden (its weights are not); GELU + act must give FFN2's input.
  const I32 f1 = golden<std::int32_t>(in / "linear", "output");
  kernels::GeluParams g{golden<std::int64_t>(in / "gelu", "b").values(),
                        golden<std::int64_t>(in / "gelu", "c").values(),
                        golden<std::int64_t>(in / "gelu", "shift").values(),
                        golden<int>(in / "gelu", "const")[0]};
  const I8 gi = kernels::quant_act<std::int8_t>(kernels::gelu(f1, g), act(in / "act", 8));
  EXPECT_EQ(gi, golden<std::int8_t>(ou / "linear", "input"));
  // FFN2's accumulator + the attention half's output as identity -> the layer output.
  const I32 f2 = golden<std::int32_t>(ou / "linear", "output");
  const I8 identity = golden<std::int8_t>(layer_ / "self_output" / "act_layernorm", "output");
  kernels::ResidualActParams res{act(ou / "act_linear", 32),
                                 act(ou / "act_linear", 32, "m1", "e1")};
  kernels::LayerNormParams ln{golden<int>(ou / "layernorm", "shift")[0],
                              golden<std::int64_t>(ou / "layernorm", "bias").values()};
  const I8 y = kernels::residual_layernorm_act(f2, identity, res, ln, act(ou / "act_layernorm", 8));
  EXPECT_EQ(y, golden<std::int8_t>(ou / "act_layernorm", "output"));
  // ... which is the next layer's input.
  const fs::path next = layer_.parent_path() / std::to_string(GetParam() + 1);
  if (fs::is_directory(next)) {
    EXPECT_EQ(y, golden<std::int8_t>(next / "self_attention" / "linear_q", "input"));
  }
}

INSTANTIATE_TEST_SUITE_P(Layers, GoldenDataflow, ::testing::Values(0, 1));

}  // namespace
}  // namespace atl::model
