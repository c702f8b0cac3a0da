// The integer decoder kernels: hand-computed exact values, the bounds their headers state, and
// their distance to the float functions they approximate.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/argmax.h"
#include "kernels/decoder_arith.h"
#include "kernels/decoder_attention.h"
#include "kernels/decoder_gelu.h"
#include "kernels/int8_matrix.h"
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/swiglu.h"
#include "kernels/w8a8.h"

namespace atl::kernels {
namespace {

constexpr int kF = 16;  // the activations' fraction bits in these tests

double real(std::int64_t v) {
  return std::ldexp(static_cast<double>(v), -kF);
}
std::int32_t fixed(double v) {
  return static_cast<std::int32_t>(std::lround(std::ldexp(v, kF)));
}

// The i-exp constants at scale s (model::softmax_params, I-BERT's derivation).
SoftmaxParams iexp(double s) {
  SoftmaxParams p;
  p.n = 30;
  p.x0 = static_cast<std::int64_t>(std::floor(-0.6931 / s));
  p.b = static_cast<std::int64_t>(std::floor(0.96963238 / 0.35815147 / s));
  p.c = static_cast<std::int64_t>(std::floor(1.0 / 0.35815147 / (s * s)));
  return p;
}

SigmoidParams sigmoid12() {
  SigmoidParams p;
  p.exp = iexp(1.0 / 4096);  // x0 -2839, b 11089, c 46843912 (26 bits): c << 30 >> 26 < 2^30
  p.in_frac_bits = 12;
  p.exp_shift = 26;
  return p;
}

TEST(DecoderArith, RoundHalfEvenShiftAndDivision) {
  EXPECT_EQ(rne_shift(5, 1), 2);
  EXPECT_EQ(rne_shift(7, 1), 4);
  EXPECT_EQ(rne_shift(-5, 1), -2);
  EXPECT_EQ(rne_shift(-7, 1), -4);
  EXPECT_EQ(rne_shift(13, 2), 3);  // 3.25
  EXPECT_EQ(rne_shift(3, -4), 48);
  EXPECT_EQ(rne_shift(std::int64_t{1} << 61, 200), 0);
  EXPECT_EQ(rne_shift(std::int64_t{1} << 40, -40), INT64_MAX);
  EXPECT_EQ(rne_shift(-(std::int64_t{1} << 40), -40), -INT64_MAX);
  EXPECT_EQ(div_rne(5, 2), 2);
  EXPECT_EQ(div_rne(7, 2), 4);
  EXPECT_EQ(div_rne(-5, 2), -2);
  EXPECT_EQ(div_rne(-7, 3), -2);  // -2.33
  EXPECT_EQ(div_rne(-8, 3), -3);  // -2.67
  EXPECT_EQ(saturate_int32(std::int64_t{1} << 40), INT32_MAX);
  EXPECT_EQ(apply({3, 1}, 5), 8);  // 7.5 -> 8
}

TEST(DecoderArith, RneShiftEqualsTheExactDefinition) {
  // core::requantize (exact, in two 64-bit halves) is the definition; rne_shift its 64-bit
  // form for |p| < 2^62 (left shifts saturate to +-(2^63 - 1)).
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    const int bits = 1 + static_cast<int>(rng() % 61);  // |p| < 2^61
    auto p = static_cast<std::int64_t>(rng() >> (64 - bits));
    if (rng() & 1) p = -p;
    const int e = static_cast<int>(rng() % 80) - 10;
    const std::int64_t ref = std::clamp(core::requantize(p, 1, e), -INT64_MAX, INT64_MAX);
    ASSERT_EQ(rne_shift(p, e), ref) << p << " " << e;
  }
}

TEST(W8A8, ExtremeRowsStayExact) {
  // The int32 limits: amax = 2^31 -> a = 2^14, k = 17.
  const std::vector<std::int32_t> x = {INT32_MIN, INT32_MAX, 0};
  std::vector<std::int8_t> q(3);
  const ActScale s = quantize_row_dynamic(x.data(), 3, q.data());
  EXPECT_EQ(s.a, 1 << 14);
  EXPECT_EQ(s.k, 17);
  EXPECT_EQ(q, (std::vector<std::int8_t>{-127, 127, 0}));
  // The requantisation bound: |acc| = 127^2 2^16 (in = 2^16), a = 2^15, |m| = 2^16.
  const std::int32_t acc[2] = {127 * 127 * 65536, -127 * 127 * 65536};
  const Multiplier mul[2] = {{1 << 16, 40}, {1 << 16, 40}};
  std::int32_t y[2];
  w8a8_requantize(acc, 2, ActScale{1 << 15, 3}, mul, nullptr, y);
  const std::int64_t exact = core::requantize(acc[0], std::int64_t{1} << 31, 37);
  EXPECT_EQ(y[0], static_cast<std::int32_t>(exact));
  EXPECT_EQ(y[1], -static_cast<std::int32_t>(exact));
}

TEST(W8A8, TokenScaleRoundsUpToFifteenBits) {
  EXPECT_EQ(act_scale(0).a, 0);
  EXPECT_EQ(act_scale(100).a, 100);
  EXPECT_EQ(act_scale(100).k, 0);
  EXPECT_EQ(act_scale(32767).a, 32767);
  EXPECT_EQ(act_scale(32768).a, 16384);
  EXPECT_EQ(act_scale(32768).k, 1);
  EXPECT_EQ(act_scale(32769).a, 16385);  // rounded up: A = 32770 >= 32769
  EXPECT_EQ(act_scale((std::int64_t{1} << 31)).amax(), std::int64_t{1} << 31);
}

TEST(W8A8, QuantizeRowHandComputed) {
  const std::vector<std::int32_t> x = {100, -50, 1, 0, -100};
  std::vector<std::int8_t> q(x.size());
  const ActScale s = quantize_row_dynamic(x.data(), 5, q.data());
  EXPECT_EQ(s.amax(), 100);
  // 127, -63.5 -> -64 (tie to even), 1.27 -> 1, 0, -127
  EXPECT_EQ(q, (std::vector<std::int8_t>{127, -64, 1, 0, -127}));
  // A static scale smaller than the row clamps.
  quantize_row(x.data(), 5, ActScale{50, 0}, q.data());
  EXPECT_EQ(q, (std::vector<std::int8_t>{127, -127, 3, 0, -127}));  // 2.54 -> 3
  // An all-zero row.
  const std::vector<std::int32_t> z(4, 0);
  EXPECT_EQ(quantize_row_dynamic(z.data(), 4, q.data()).a, 0);
}

TEST(W8A8, RequantizeHandComputed) {
  // acc 1000 at token scale a = 3, k = 2, m / 2^e = 5 / 2^6: 1000 * 3 * 5 / 2^4 = 937.5 -> 938.
  const std::int32_t acc = 1000;
  const Multiplier m{5, 6};
  std::int32_t y = 0;
  w8a8_requantize(&acc, 1, ActScale{3, 2}, &m, nullptr, &y);
  EXPECT_EQ(y, 938);
  const std::int32_t bias = -8;
  w8a8_requantize(&acc, 1, ActScale{3, 2}, &m, &bias, &y);
  EXPECT_EQ(y, 930);
}

TEST(W8A8, LinearCloseToFloat) {
  // y = W x with W int8 at per-row scales s_o and x quantised per token: the error is that of
  // the int8 activation (|x| / 254 per element) and the output rounding.
  std::mt19937 rng(7);
  std::normal_distribution<double> nd(0, 1);
  const int in = 64, out = 16;
  std::vector<std::int8_t> w(in * out);
  std::vector<double> scale(out);
  std::vector<Multiplier> mul(out);
  for (int o = 0; o < out; ++o) {
    scale[o] = 0.001 * (o + 1);
    int x = 0;
    const double mant = std::frexp(scale[o] / 127.0, &x);
    mul[o] = {static_cast<std::int32_t>(std::lround(std::ldexp(mant, 16))), 16 - x};
    for (int i = 0; i < in; ++i)
      w[o * in + i] = static_cast<std::int8_t>(std::lround(40 * nd(rng)) % 127);
  }
  std::vector<std::int32_t> x(in);
  for (auto& v : x) v = fixed(3 * nd(rng));
  std::vector<std::int8_t> q(in);
  const ActScale s = quantize_row_dynamic(x.data(), in, q.data());
  std::vector<std::int32_t> acc(out), y(out);
  int8_product_ref(w.data(), out, in, q.data(), 1, acc.data());
  w8a8_requantize(acc.data(), out, s, mul.data(), nullptr, y.data());
  for (int o = 0; o < out; ++o) {
    double ref = 0, bound = 0;
    for (int i = 0; i < in; ++i) {
      ref += w[o * in + i] * scale[o] * real(x[i]);
      bound += std::fabs(w[o * in + i] * scale[o]) * real(s.amax()) / 254;
    }
    EXPECT_NEAR(real(y[o]), ref, bound + 1e-4) << "o " << o;
  }
}

TEST(Argmax, FirstOfEqualMaxima) {
  const std::vector<std::int32_t> v = {3, 9, -1, 9};
  EXPECT_EQ(argmax(v.data(), 4), 1);
  EXPECT_EQ(argmax(v.data(), 0), 0);
}

NormParams unit_norm(const std::vector<std::int32_t>& gain, int gain_bits, bool center) {
  NormParams p;
  p.gain = gain.data();
  p.gain_bits = gain_bits;
  p.frac_bits = kF;
  p.eps_q = std::llround(std::ldexp(1e-5, 2 * kF));  // 42950
  p.center = center;
  return p;
}

TEST(DecoderRmsNorm, ConstantRowIsExactlyOne) {
  // x = 1.0 everywhere: sh = 1, t = 2^15, ms = 2^30 + (42950 >> 2), r = 2^15, z = 2^16.
  const std::vector<std::int32_t> x(8, 1 << kF), gain(8, 1 << 12);
  std::vector<std::int32_t> y(8);
  norm_row(x.data(), 8, unit_norm(gain, 12, false), y.data());
  EXPECT_EQ(y, std::vector<std::int32_t>(8, 1 << kF));
}

TEST(DecoderRmsNorm, Int32LimitsStayInRange) {
  const std::vector<std::int32_t> x = {INT32_MIN, INT32_MAX, 0, 1}, gain(4, 1 << 14);
  std::vector<std::int32_t> y(4);
  norm_row(x.data(), 4, unit_norm(gain, 14, false), y.data());
  // sh = 16, t = {-2^15, 2^15, 0, 0}, ms = 2^29, r = isqrt(2^29) = 23170 (of 23170.48), so
  // z = 2^15 floor(2^46 / 23170) / 2^30 = 92683.85 -> 92684 (sqrt(2) 2^16 = 92681.9).
  EXPECT_EQ(y, (std::vector<std::int32_t>{-92684, 92684, 0, 0}));
  norm_row(x.data(), 4, unit_norm(gain, 14, true), y.data());  // centred on 0 (mean rounds to 0)
  EXPECT_EQ(y, (std::vector<std::int32_t>{-92684, 92684, 0, 0}));
}

TEST(DecoderRmsNorm, CloseToFloatOverMagnitudes) {
  std::mt19937 rng(3);
  std::normal_distribution<double> nd(0, 1);
  for (double mag : {1e-3, 0.1, 1.0, 30.0, 3000.0}) {
    const int n = 64;
    std::vector<std::int32_t> x(n), gain(n), y(n);
    std::vector<double> g(n);
    for (int c = 0; c < n; ++c) {
      x[c] = fixed(mag * nd(rng));
      g[c] = 0.5 + 0.01 * c;
      gain[c] = static_cast<std::int32_t>(std::lround(std::ldexp(g[c], 14)));
    }
    norm_row(x.data(), n, unit_norm(gain, 14, false), y.data());
    double ss = 0;
    for (int c = 0; c < n; ++c) ss += real(x[c]) * real(x[c]);
    const double rms = std::sqrt(ss / n + 1e-5);
    for (int c = 0; c < n; ++c) {
      EXPECT_NEAR(real(y[c]), g[c] * real(x[c]) / rms, 2e-4) << "magnitude " << mag << " c " << c;
    }
  }
}

TEST(DecoderLayerNorm, CentredRowWithBias) {
  // x = {1, 3} (+ 2 mean): d = {-1, 1} -> normalised {-1, 1} (eps 0), gain 2, bias 0.5.
  const std::vector<std::int32_t> x = {fixed(1), fixed(3)}, gain = {2 << 10, 2 << 10};
  const std::vector<std::int32_t> bias = {fixed(0.5), fixed(0.5)};
  NormParams p = unit_norm(gain, 10, true);
  p.eps_q = 0;
  p.bias = bias.data();
  std::vector<std::int32_t> y(2);
  norm_row(x.data(), 2, p, y.data());
  EXPECT_EQ(y, (std::vector<std::int32_t>{fixed(-1.5), fixed(2.5)}));
}

TEST(Rope, IdentityQuarterTurnAndLayouts) {
  std::vector<std::int32_t> v = {10, 20, 30, 40};
  const std::vector<std::int16_t> one = {1 << 14, 1 << 14}, zero = {0, 0};
  rope_row(v.data(), 4, one.data(), zero.data(), RopePairs::interleaved);
  EXPECT_EQ(v, (std::vector<std::int32_t>{10, 20, 30, 40}));
  // A quarter turn: (a, b) -> (-b, a), pairs (0, 1), (2, 3) or (0, 2), (1, 3).
  rope_row(v.data(), 4, zero.data(), one.data(), RopePairs::interleaved);
  EXPECT_EQ(v, (std::vector<std::int32_t>{-20, 10, -40, 30}));
  rope_row(v.data(), 4, zero.data(), one.data(), RopePairs::halves);
  EXPECT_EQ(v, (std::vector<std::int32_t>{40, -30, -20, 10}));
  // cos 60 degrees in Q14 (8192), sin 14189: (1000, 0) -> (500, 866.03 -> 866).
  std::vector<std::int32_t> w = {1000, 0};
  const std::int16_t c = 8192, s = 14189;
  rope_row(w.data(), 2, &c, &s, RopePairs::interleaved);
  EXPECT_EQ(w, (std::vector<std::int32_t>{500, 866}));
}

TEST(Swiglu, SigmoidExactPointsAndSymmetry) {
  const SigmoidParams p = sigmoid12();
  EXPECT_EQ(sigmoid_q15(0, kF, p), 16384);
  for (double v : {0.001, 0.5, 1.0, 2.0, 5.0, 11.0, 40.0}) {
    const std::int64_t pos = sigmoid_q15(fixed(v), kF, p), neg = sigmoid_q15(fixed(-v), kF, p);
    EXPECT_GE(pos + neg, 32767) << v;  // two floors of a sum of 2^15
    EXPECT_LE(pos + neg, 32768) << v;
  }
}

TEST(Swiglu, CloseToFloat) {
  const SigmoidParams p = sigmoid12();
  double worst = 0;
  for (double v = -12; v <= 12; v += 0.01) {
    const double ref = v / (1 + std::exp(-v));
    worst = std::max(worst, std::fabs(real(silu(fixed(v), kF, p)) - ref));
  }
  EXPECT_LT(worst, 0.01);  // i-exp's polynomial error, relative ~1e-3, times |x| <= 12
  const std::vector<std::int32_t> gate = {fixed(1.5), fixed(-2)}, up = {fixed(2), fixed(0.5)};
  std::vector<std::int32_t> h(2);
  swiglu_row(gate.data(), up.data(), 2, kF, p, h.data());
  EXPECT_NEAR(real(h[0]), 2 * 1.5 / (1 + std::exp(-1.5)), 2e-3);
  EXPECT_NEAR(real(h[1]), 0.5 * -2 / (1 + std::exp(2.0)), 2e-3);
}

TEST(DecoderGelu, CloseToFloat) {
  // model::gelu_params(16): I-BERT's i-GELU tables at the input scale 2^-10, k = 14.
  const double s = 1.0 / 1024, se = s / 1.4142;
  DecoderGeluParams p;
  p.gelu.b = {static_cast<std::int64_t>(std::floor(-1.769 / se))};
  p.gelu.c = {static_cast<std::int64_t>(std::floor(1.0 / -0.2888 / (se * se)))};
  const double sy = se * se * -0.2888 * 16384;
  p.gelu.shift = {static_cast<std::int64_t>(std::floor(1.0 / sy))};
  int x = 0;
  const double mant = std::frexp(s * sy / 2 * 65536, &x);
  p.out = {static_cast<std::int32_t>(std::lround(std::ldexp(mant, 16))), 16 - x};
  double worst = 0;
  for (double v = -6; v <= 6; v += 0.01) {
    std::int32_t y = fixed(v);
    decoder_gelu_row(&y, 1, kF, p);
    worst = std::max(worst, std::fabs(real(y) - v / 2 * (1 + std::erf(v / std::sqrt(2.0)))));
  }
  EXPECT_LT(worst, 0.03);  // I-BERT: i-GELU's erf polynomial
}

TEST(DecoderAttention, OnePositionReturnsItsValue) {
  // One key: p = 2^15, out = round(A v / 127) for A = 127 * 1000: v * 1000 exactly.
  const std::vector<std::int8_t> q = {5, -3}, k = {1, 2}, v = {7, -100};
  const ActScale sk{127, 0}, sv{127 * 1000 / 8, 3};
  AttentionParams p;
  p.score_exponent = 10;
  p.exp = iexp(1.0 / 2048);
  p.exp_shift = 26;
  const KvView kv{k.data(), v.data(), &sk, &sv, 2, 1};
  std::int64_t scratch[3];
  std::int32_t out[2];
  attention_head(q.data(), ActScale{100, 0}, kv, 1, 2, p, scratch, out);
  EXPECT_EQ(out[0], 7000);
  EXPECT_EQ(out[1], -100000);
}

TEST(DecoderAttention, LargestScalesSaturate) {
  // Every scale at its largest (A = 2^31): out = A v / 127 = 2^31 for v = 127 saturates.
  const std::vector<std::int8_t> q(4, 127), k(8, 127), v(8, 127);
  const std::vector<ActScale> sk(2, ActScale{1 << 14, 17});
  AttentionParams p;
  p.score_exponent = 0;  // scores far beyond int32: saturated, equal, so p = 1/2 each
  p.exp = iexp(1.0 / 2048);
  p.exp_shift = 26;
  const KvView kv{k.data(), v.data(), sk.data(), sk.data(), 4, 1};
  std::int64_t scratch[6];
  std::int32_t out[4];
  attention_head(q.data(), ActScale{1 << 14, 17}, kv, 2, 4, p, scratch, out);
  for (std::int32_t o : out) EXPECT_EQ(o, INT32_MAX);
}

TEST(DecoderAttention, CloseToFloatSoftmax) {
  // 40 positions, head_dim 8: scores at S = 2^(E - 2F) / (127^2 sqrt(8)).
  std::mt19937 rng(11);
  std::normal_distribution<double> nd(0, 1);
  const int hd = 8, n = 40;
  std::vector<std::int32_t> qf(hd), kf(n * hd), vf(n * hd);
  for (auto& x : qf) x = fixed(2 * nd(rng));
  for (auto& x : kf) x = fixed(2 * nd(rng));
  for (auto& x : vf) x = fixed(nd(rng));
  std::vector<std::int8_t> q(hd), k(n * hd), v(n * hd);
  std::vector<ActScale> ks(n), vs(n);
  const ActScale sq = quantize_row_dynamic(qf.data(), hd, q.data());
  for (int j = 0; j < n; ++j) {
    ks[j] = quantize_row_dynamic(kf.data() + j * hd, hd, k.data() + j * hd);
    vs[j] = quantize_row_dynamic(vf.data() + j * hd, hd, v.data() + j * hd);
  }
  const double unit = 127.0 * 127.0 * std::sqrt(8.0);
  AttentionParams p;
  p.score_exponent = static_cast<int>(std::floor(2 * kF - 11 + std::log2(unit)));
  p.exp = iexp(std::ldexp(1.0, p.score_exponent - 2 * kF) / unit);
  p.exp_shift = bit_width64(p.exp.c);  // (c << 30) >> shift < 2^30
  const KvView kv{k.data(), v.data(), ks.data(), vs.data(), hd, 1};
  std::vector<std::int64_t> scratch(n + hd);
  std::vector<std::int32_t> out(hd);
  attention_head(q.data(), sq, kv, n, hd, p, scratch.data(), out.data());
  std::vector<double> w(n);
  double mx = -1e300, sum = 0;
  for (int j = 0; j < n; ++j) {
    double s = 0;
    for (int d = 0; d < hd; ++d) s += real(qf[d]) * real(kf[j * hd + d]);
    w[j] = s / std::sqrt(8.0);
    mx = std::max(mx, w[j]);
  }
  for (double& x : w) sum += (x = std::exp(x - mx));
  for (int d = 0; d < hd; ++d) {
    double ref = 0;
    for (int j = 0; j < n; ++j) ref += w[j] / sum * real(vf[j * hd + d]);
    EXPECT_NEAR(real(out[d]), ref, 0.03) << d;
  }
}

}  // namespace
}  // namespace atl::kernels
