#include "model/synthetic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "kernels/linear.h"
#include "kernels/quant_act.h"
#include "model/encoder.h"
#include "model/float_reference.h"
#include "model/quantize.h"
#include "test_models.h"

namespace atl::model {
namespace {

using testing::tiny_config;

TEST(Dyadic, MatchesFrexpAndRoundsHalfAway) {
  EXPECT_EQ(dyadic(1.0).m, 1 << 30);
  EXPECT_EQ(dyadic(1.0).e, 30);
  EXPECT_EQ(dyadic(0.75).m, 3 << 29);
  EXPECT_EQ(dyadic(0.75).e, 31);
  EXPECT_EQ(dyadic(-0.5).m, -(1 << 30));
  EXPECT_EQ(dyadic(-0.5).e, 31);
  EXPECT_EQ(dyadic(0).m, 0);
  // A mantissa within 2^-33 of 1 rounds to 2^31 and is renormalised to (2^30, e - 1).
  const Dyadic d = dyadic(std::nextafter(1.0, 0.0));
  EXPECT_EQ(d.m, 1 << 30);
  EXPECT_EQ(d.e, 30);
}

TEST(Quantize, SoftmaxConstantsOfTheGoldenScale) {
  // The golden layer-0 softmax has x0 = -490, b = 1912, c = 1393919, (m, e) = (1615394284, 66):
  // the same formulas at a scale of 0.6931/490.5 reproduce x0 and c and the 16-bit requant.
  const auto p = softmax_params(0.6931 / 490.5);
  EXPECT_EQ(p.x0, -491);
  EXPECT_EQ(p.n, 30);
  EXPECT_GT(p.c, 1390000);
  EXPECT_LT(p.c, 1400000);
  EXPECT_EQ(p.e, 66);
  EXPECT_NEAR(static_cast<double>(p.m), 1615394284.0, 0.01 * 1615394284.0);
}

TEST(Synthetic, SameSeedSameModelOtherSeedOtherModel) {
  const auto a = synthetic_weights(tiny_config(), 7);
  const auto b = synthetic_weights(tiny_config(), 7);
  const auto c = synthetic_weights(tiny_config(), 8);
  EXPECT_EQ(a.layers[1].ffn2.weight, b.layers[1].ffn2.weight);
  EXPECT_EQ(a.layers[1].act_ln_ffn.m, b.layers[1].act_ln_ffn.m);
  EXPECT_EQ(a.layers[0].softmax.c, b.layers[0].softmax.c);
  EXPECT_NE(a.layers[0].q.weight, c.layers[0].q.weight);
  const auto x = random_input(32, 128, 3);
  EXPECT_EQ(Encoder(a).forward(x), Encoder(b).forward(x));
}

TEST(Synthetic, RandomInputIsDeterministicAndUsesTheInt8Range) {
  const auto x = random_input(32, 128, 3);
  EXPECT_EQ(x, random_input(32, 128, 3));
  EXPECT_NE(x, random_input(32, 128, 4));
  const auto [lo, hi] = std::minmax_element(x.values().begin(), x.values().end());
  EXPECT_LT(*lo, -40);  // N(0, 1) at scale 1/16: |x| > 2.5 sigma occurs in 4096 draws
  EXPECT_GT(*hi, 40);
}

// Fraction of int8 values at the clamp (-128 or 127).
double saturated(const I8& t) {
  const auto n = std::count_if(t.values().begin(), t.values().end(),
                               [](std::int8_t v) { return v == 127 || v == -128; });
  return static_cast<double>(n) / static_cast<double>(t.size());
}

TEST(Synthetic, ActivationsNeitherSaturateNorVanishOnAFreshInput) {
  const auto w = synthetic_weights(tiny_config(), 1);
  const auto x = random_input(32, 128, 99);  // not the calibration input
  const auto& l = w.layers[0];
  const I8 qi = kernels::quant_act<std::int8_t>(kernels::linear(x, l.q.weight, l.q.bias), l.act_q);
  const I8 ki = kernels::quant_act<std::int8_t>(kernels::linear(x, l.k.weight, l.k.bias), l.act_k);
  EXPECT_LT(saturated(qi), 0.001);
  const auto [lo, hi] = std::minmax_element(qi.values().begin(), qi.values().end());
  EXPECT_GT(*hi - *lo, 100);  // the int8 range is used, not a handful of levels

  // Softmax is neither uniform nor one-hot: the largest probability of a row is well above
  // the uniform 1/32 and below 1 on average.
  const U8 p = attention_head(head_columns(qi, 0, 64), head_columns(ki, 0, 64), l.softmax, 32);
  double mean_max = 0;
  for (std::int64_t r = 0; r < p.dim(0); ++r) {
    const auto row = p.row(r);
    mean_max += *std::max_element(row.begin(), row.end()) / 256.0;
  }
  mean_max /= static_cast<double>(p.dim(0));
  EXPECT_GT(mean_max, 0.1);
  EXPECT_LT(mean_max, 0.9);

  const I8 y = Encoder(w).forward(x);
  EXPECT_LT(saturated(y), 0.001);
}

TEST(FloatReference, IntegerErrorIsBounded) {
  // Measured: 1 layer ~3.5% relative L2 error, 2 layers ~6% (random weights; 8-bit softmax
  // probabilities dominate). The bounds leave headroom but catch any broken scale.
  const auto x = random_input(32, 128, 5);
  for (std::int64_t layers : {1, 2}) {
    const auto w = synthetic_weights(tiny_config(layers), 1);
    const auto y = Encoder(w).forward(x);
    const auto e = compare(y, w.scales->back().output, float_forward(w, x));
    EXPECT_LT(e.rel_l2, 0.06 * static_cast<double>(layers)) << layers << " layers";
    EXPECT_GT(e.rel_l2, 0.0) << "integer and float paths cannot agree exactly";
  }
}

TEST(FloatReference, NeedsScales) {
  auto w = synthetic_weights(tiny_config(1), 1);
  w.scales.reset();
  EXPECT_THROW(float_forward(w, random_input(4, 128, 1)), core::Error);
}

}  // namespace
}  // namespace atl::model
