// Per-kernel checks against the I-BERT golden data (layers 0 and 1). The full sweep over every
// file is tests/verify/golden_test.cpp; these pin each kernel's semantics on its own.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/npy.h"
#include "kernels/attention_matmul.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/linear.h"
#include "kernels/quant_act.h"
#include "kernels/residual_act.h"
#include "kernels/softmax.h"
#include "kernels/softmax_matmul.h"

namespace {

namespace fs = std::filesystem;
using atl::core::read_npy;
using atl::core::Tensor;
using namespace atl::kernels;

fs::path golden_root() {
#ifdef ATOLL_GOLDEN_DIR
  return fs::path(ATOLL_GOLDEN_DIR);
#else
  return {};
#endif
}

class Golden : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    const fs::path root = golden_root();
    if (root.empty() || !fs::is_directory(root / "encoder" / "0")) {
      GTEST_SKIP() << "golden data not found at '" << root.string()
                   << "' (ATOLL_GOLDEN_DIR); skipping golden checks";
    }
    layer_ = root / "encoder" / std::to_string(GetParam());
  }
  fs::path f(const std::string& kernel, const std::string& name) const {
    return layer_ / kernel / (name + ".npy");
  }
  template <class T>
  Tensor<T> load(const std::string& kernel, const std::string& name) const {
    return read_npy<T>(f(kernel, name));
  }
  std::vector<std::int64_t> vec(const std::string& kernel, const std::string& name) const {
    return read_npy<std::int64_t>(f(kernel, name)).values();
  }
  std::int64_t scalar(const std::string& kernel, const std::string& name) const {
    return vec(kernel, name).at(0);
  }
  fs::path layer_;
};

template <class A, class B>
std::int64_t mismatches(const Tensor<A>& a, const Tensor<B>& b) {
  EXPECT_EQ(a.shape(), b.shape());
  std::int64_t n = 0;
  for (std::int64_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    n += static_cast<std::int64_t>(a[i]) != static_cast<std::int64_t>(b[i]);
  }
  return n;
}

TEST_P(Golden, LinearQkvAndOutProj) {
  for (const std::string k : {"self_attention/linear_q", "self_attention/linear_k",
                              "self_attention/linear_v", "self_output/linear"}) {
    const auto x = load<std::int8_t>(k, "input");
    const auto w = load<std::int8_t>(k, "weight_integer");
    const auto b64 = vec(k, "bias_integer");
    const std::vector<std::int32_t> b(b64.begin(), b64.end());
    const auto want = load<std::int64_t>(k, "output");
    EXPECT_EQ(mismatches(LinearPlan(w, b).run(x), want), 0) << k;
    EXPECT_EQ(mismatches(linear_ref(x, w, b), want), 0) << k;
  }
}

TEST_P(Golden, QuantActs) {
  for (const std::string k : {"self_attention/act_q", "self_attention/act_k",
                              "self_attention/act_v", "self_attention/act_out", "intermediate/act",
                              "self_output/act_layernorm", "output/act_layernorm"}) {
    QuantActParams p;
    p.m = vec(k, "m");
    for (auto e : vec(k, "e")) p.e.push_back(static_cast<int>(e));
    const auto y = quant_act<std::int8_t>(load<std::int32_t>(k, "input"), p);
    EXPECT_EQ(mismatches(y, load<std::int64_t>(k, "output")), 0) << k;
    EXPECT_EQ(mismatches(y, load<std::int64_t>(k, "output0")), 0) << k;
  }
}

TEST_P(Golden, ResidualActs) {
  for (const std::string k : {"self_output/act_linear", "output/act_linear"}) {
    ResidualActParams p;
    p.main.m = vec(k, "m");
    for (auto e : vec(k, "e")) p.main.e.push_back(static_cast<int>(e));
    p.identity.m = vec(k, "m1");
    for (auto e : vec(k, "e1")) p.identity.e.push_back(static_cast<int>(e));
    const auto r =
        residual_act(load<std::int32_t>(k, "input"), load<std::int8_t>(k, "identity"), p);
    EXPECT_EQ(mismatches(r.output0, load<std::int64_t>(k, "output0")), 0) << k;
    EXPECT_EQ(mismatches(r.output1, load<std::int64_t>(k, "output1")), 0) << k;
    EXPECT_EQ(mismatches(r.output, load<std::int64_t>(k, "output")), 0) << k;
  }
}

TEST_P(Golden, AttentionSoftmaxContext) {
  const std::string a = "self_attention/attention_matmul";
  const std::string s = "self_attention/softmax";
  const std::string c = "self_attention/softmax_matmul";
  const SoftmaxParams p{scalar(s, "x0"), scalar(s, "b"),
                        scalar(s, "c"),  static_cast<int>(scalar(s, "const")),
                        scalar(s, "m"),  static_cast<int>(scalar(s, "e"))};
  for (int h = 0; h < 12; ++h) {
    const auto hs = std::to_string(h);
    auto scores = attention_matmul(load<std::int8_t>(a, "input_q_" + hs),
                                   load<std::int8_t>(a, "input_k_" + hs));
    EXPECT_EQ(mismatches(scores, load<std::int64_t>(a, "output_" + hs)), 0) << h;
    mask_scores(scores, 41);  // the golden sequence has 41 real tokens, padded to 128
    EXPECT_EQ(mismatches(scores, load<std::int64_t>(s, "soft_input_" + hs)), 0) << h;
    const auto probs = softmax(scores, p);
    EXPECT_EQ(mismatches(probs, load<std::int64_t>(s, "output_" + hs)), 0) << h;
    const auto ctx = softmax_matmul(probs, load<std::int8_t>(c, "input_v_" + hs));
    EXPECT_EQ(mismatches(ctx, load<std::int64_t>(c, "output_" + hs)), 0) << h;
  }
}

TEST_P(Golden, Gelu) {
  const std::string k = "intermediate/gelu";
  const GeluParams p{vec(k, "b"), vec(k, "c"), vec(k, "shift"),
                     static_cast<int>(scalar(k, "const"))};
  const auto x = load<std::int32_t>(k, "input");
  Tensor<std::int32_t> y(x.shape());
  Tensor<std::int8_t> sign(x.shape());
  for (std::int64_t i = 0; i < x.rows(); ++i) gelu_row(x.row(i), p, y.row(i), sign.row(i));
  EXPECT_EQ(mismatches(y, load<std::int64_t>(k, "output")), 0);
  EXPECT_EQ(mismatches(sign, load<std::int64_t>(k, "sign")), 0);
}

TEST_P(Golden, LayerNorm) {
  for (const std::string k : {"self_output/layernorm", "output/layernorm"}) {
    const LayerNormParams p{static_cast<int>(scalar(k, "shift")), vec(k, "bias")};
    const auto x = load<std::int32_t>(k, "input");
    Tensor<std::int32_t> y(x.shape()), yi(x.shape());
    for (std::int64_t i = 0; i < x.rows(); ++i) layernorm_row(x.row(i), p, y.row(i), yi.row(i));
    EXPECT_EQ(mismatches(y, load<std::int64_t>(k, "output")), 0) << k;
    EXPECT_EQ(mismatches(yi, load<std::int64_t>(k, "y_int")), 0) << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Layers, Golden, ::testing::Values(0, 1));

}  // namespace
