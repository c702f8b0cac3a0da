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
#include "kernels/decoder_arith_fast.h"
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

// The division-free div_rne of the fast paths: every tie and its neighbours around many
// quotients (both signs), the attention's divisor 127 * 2^15 and small odd and even divisors, and
// seeded random numerators up to the bound |a| < 2^53.
TEST(DecoderArith, DivRneByDoubleEqualsDivRne) {
  std::mt19937_64 rng(17);
  for (const std::int64_t d : {std::int64_t{1}, std::int64_t{2}, std::int64_t{3}, std::int64_t{127},
                               std::int64_t{127} << 15, (std::int64_t{1} << 40) + 1}) {
    for (const std::int64_t q : {std::int64_t{0}, std::int64_t{1}, std::int64_t{2}, std::int64_t{7},
                                 std::int64_t{1} << 20, (std::int64_t{1} << 30) + 1}) {
      if (q > (std::int64_t{1} << 52) / d) continue;  // keeps q d + d well inside 2^53
      for (const std::int64_t sign : {1, -1}) {
        for (std::int64_t delta = -3; delta <= 3; ++delta) {
          for (const std::int64_t a :
               {sign * q * d + delta, sign * q * d + d / 2 + delta, sign * q * d - d / 2 + delta}) {
            if (a >= (std::int64_t{1} << 53) || a <= -(std::int64_t{1} << 53)) continue;
            ASSERT_EQ(div_rne_by_double(a, d), div_rne(a, d)) << a << " / " << d;
          }
        }
      }
    }
    for (int i = 0; i < 20000; ++i) {
      const auto a =
          static_cast<std::int64_t>(rng() % (std::uint64_t{1} << 54)) - (std::int64_t{1} << 53) + 1;
      if (a / d >= (std::int64_t{1} << 50) || a / d <= -(std::int64_t{1} << 50)) continue;
      ASSERT_EQ(div_rne_by_double(a, d), div_rne(a, d)) << a << " / " << d;
    }
  }
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

// --- fast paths: each equal to its definition -----------------------------------------------

// A signed value of up to `bits` bits, its magnitude log-uniform.
std::int64_t random_bits(std::mt19937_64& rng, int bits) {
  const int b = static_cast<int>(rng() % static_cast<std::uint64_t>(bits + 1));
  const auto v = b == 0 ? std::int64_t{0} : static_cast<std::int64_t>(rng() >> (64 - b));
  return (rng() & 1) != 0 ? -v : v;
}

std::int32_t random_int32(std::mt19937_64& rng) {
  const std::int64_t v = random_bits(rng, 32);
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(v, INT32_MIN, INT32_MAX));
}

TEST(W8A8FastPath, QuantizeEqualsTheDefinitionExhaustivelyForSmallScales) {
  // Every x in [-A - 3, A + 3] for every A = 1..1024: all ties 127 x / A = m + 1/2 included.
  std::vector<std::int32_t> x;
  std::vector<std::int8_t> ref, fast;
  for (std::int64_t A = 1; A <= 1024; ++A) {
    x.clear();
    for (std::int64_t v = -A - 3; v <= A + 3; ++v) x.push_back(static_cast<std::int32_t>(v));
    const auto n = static_cast<std::int64_t>(x.size());
    ref.assign(x.size(), 0);
    fast.assign(x.size(), 0);
    const ActScale s{static_cast<std::int32_t>(A), 0};
    quantize_row(x.data(), n, s, ref.data());
    quantize_row_fast(x.data(), n, s, fast.data());
    ASSERT_EQ(fast, ref) << "A = " << A;
  }
}

TEST(W8A8FastPath, QuantizeEqualsTheDefinitionOnRandomRows) {
  std::mt19937_64 rng(31);
  for (int trial = 0; trial < 3000; ++trial) {
    const auto n = static_cast<std::int64_t>(1 + rng() % 300);
    std::vector<std::int32_t> x(static_cast<std::size_t>(n));
    const int bits = 1 + static_cast<int>(rng() % 32);
    for (auto& v : x) {
      v = static_cast<std::int32_t>(
          std::clamp<std::int64_t>(random_bits(rng, bits), INT32_MIN, INT32_MAX));
    }
    if (trial % 7 == 0) x[0] = INT32_MIN;
    if (trial % 11 == 0) x[n - 1] = INT32_MAX;
    std::vector<std::int8_t> ref(x.size()), fast(x.size());
    const ActScale sr = quantize_row_dynamic(x.data(), n, ref.data());
    const ActScale sf = quantize_row_dynamic_fast(x.data(), n, fast.data());
    ASSERT_EQ(sf.a, sr.a);
    ASSERT_EQ(sf.k, sr.k);
    ASSERT_EQ(fast, ref) << "trial " << trial;
    // A static scale, usually far from the row's own: values beyond it clamp.
    const ActScale s = act_scale(static_cast<std::int64_t>(rng() % (std::uint64_t{1} << 33)));
    quantize_row(x.data(), n, s, ref.data());
    quantize_row_fast(x.data(), n, s, fast.data());
    ASSERT_EQ(fast, ref) << "trial " << trial << " static a " << s.a << " k " << s.k;
  }
}

TEST(W8A8FastPath, RequantizeAndAddEqualTheDefinition) {
  std::mt19937_64 rng(32);
  for (int trial = 0; trial < 2000; ++trial) {
    const auto n = static_cast<std::int64_t>(1 + rng() % 100);
    const int k = static_cast<int>(rng() % 18);
    const ActScale s{static_cast<std::int32_t>(rng() % ((1 << 15) + 1)), k};
    std::vector<std::int32_t> acc(static_cast<std::size_t>(n)), bias(acc.size());
    std::vector<Multiplier> mul(acc.size());
    for (std::size_t o = 0; o < acc.size(); ++o) {
      acc[o] = trial % 13 == 0 ? (o % 2 == 0 ? INT32_MIN : INT32_MAX) : random_int32(rng);
      bias[o] = random_int32(rng);
      const auto m = static_cast<std::int32_t>((1 << 15) + rng() % ((1 << 15) + 1));
      // Mostly shifts of 1..70; every fifth row has shifts down to -3 (the definition's left
      // shifts, which the fast path hands back).
      const int low = trial % 5 == 0 ? k - 3 : k + 1;
      mul[o] = {(rng() & 1) != 0 ? -m : m, low + static_cast<int>(rng() % 70)};
    }
    const std::int32_t* b = trial % 2 == 0 ? bias.data() : nullptr;
    std::vector<std::int32_t> ref(acc.size()), fast(acc.size());
    w8a8_requantize(acc.data(), n, s, mul.data(), b, ref.data());
    w8a8_requantize_fast(acc.data(), n, s, mul.data(), b, fast.data());
    ASSERT_EQ(fast, ref) << "trial " << trial;
    std::vector<std::int32_t> y = acc, y_fast = acc;
    add_row(bias.data(), n, y.data());
    add_row_fast(bias.data(), n, y_fast.data());
    ASSERT_EQ(y_fast, y);
  }
}

TEST(NormFastPath, EqualsTheDefinition) {
  std::mt19937_64 rng(33);
  for (int trial = 0; trial < 3000; ++trial) {
    const std::int64_t sizes[] = {1, 2, 7, 64, 333, 2048};
    const std::int64_t n = sizes[rng() % 6];
    std::vector<std::int32_t> x(static_cast<std::size_t>(n)), gain(x.size()), bias(x.size());
    const int bits = static_cast<int>(rng() % 33);  // 0: an all-zero row
    const std::int64_t offset = trial % 3 == 0 ? random_bits(rng, 30) : 0;
    for (auto& v : x) {
      v = static_cast<std::int32_t>(
          std::clamp<std::int64_t>(offset + random_bits(rng, bits), INT32_MIN, INT32_MAX));
    }
    if (trial % 17 == 0) std::fill(x.begin(), x.end(), INT32_MIN);
    NormParams p;
    p.gain_bits = static_cast<int>(rng() % 22);  // 0: the definition
    for (auto& g : gain) g = static_cast<std::int32_t>(random_bits(rng, p.gain_bits + 2));
    for (auto& b : bias) b = random_int32(rng);
    p.gain = gain.data();
    p.bias = trial % 2 == 0 ? bias.data() : nullptr;
    p.frac_bits = 16;
    p.eps_q =
        trial % 4 == 0 ? static_cast<std::int64_t>(rng() >> 2) : random_bits(rng, 30) & 0xfffff;
    p.center = trial % 2 == 1;
    std::vector<std::int32_t> ref(x.size()), fast(x.size());
    norm_row(x.data(), n, p, ref.data());
    norm_row_fast(x.data(), n, p, fast.data());
    ASSERT_EQ(fast, ref) << "trial " << trial;
  }
}

// The sigmoid's i-exp constants at 2^-in_frac_bits with model::sigmoid_params' exp_shift rule.
SigmoidParams sigmoid_at(int in_frac_bits) {
  SigmoidParams p;
  p.in_frac_bits = in_frac_bits;
  p.exp = iexp(std::ldexp(1.0, -in_frac_bits));
  p.exp_shift = std::max(0, bit_width64(p.exp.c) + p.exp.n - 30);
  return p;
}

TEST(SwigluFastPath, EqualsTheDefinitionOverEveryGateWhereTheSigmoidBends) {
  // Beyond |x'| = 30 |x0| at the i-exp's scale the i-exp is clamped: the model's constants
  // (in_frac_bits 12) over every gate value up to 2^21 (2^17 at the 2^-12 scale, above
  // 30 * 2839), then both scales over random gates and ups with the int32 extremes.
  std::mt19937_64 rng(34);
  const auto check = [](const std::vector<std::int32_t>& gate, const std::vector<std::int32_t>& up,
                        const SigmoidParams& p) {
    std::vector<std::int32_t> ref(gate.size()), fast(gate.size());
    const auto n = static_cast<std::int64_t>(gate.size());
    swiglu_row(gate.data(), up.data(), n, kF, p, ref.data());
    swiglu_row_fast(gate.data(), up.data(), n, kF, p, fast.data());
    return fast == ref;
  };
  std::vector<std::int32_t> gate, up;
  for (std::int64_t x = -(std::int64_t{1} << 21); x <= (std::int64_t{1} << 21); ++x) {
    gate.push_back(static_cast<std::int32_t>(x));
    up.push_back(static_cast<std::int32_t>(random_bits(rng, 24)));
  }
  EXPECT_TRUE(check(gate, up, sigmoid_at(12)));
  for (const int fs : {12, 10}) {
    gate.resize(1 << 18);
    up.resize(gate.size());
    for (std::size_t i = 0; i < gate.size(); ++i) {
      gate[i] = random_int32(rng);
      up[i] = random_int32(rng);
    }
    gate[0] = INT32_MIN;
    gate[1] = INT32_MAX;
    up[0] = up[1] = INT32_MIN;
    up[2] = INT32_MAX;
    EXPECT_TRUE(check(gate, up, sigmoid_at(fs))) << "in_frac_bits " << fs;
  }
}

TEST(DecoderAttentionFastPath, EqualsTheDefinition) {
  std::mt19937_64 rng(35);
  for (int trial = 0; trial < 400; ++trial) {
    const std::int64_t dims[] = {64, 32, 8, 5};
    const std::int64_t hd = dims[rng() % 4];
    const auto n = static_cast<std::int64_t>(1 + rng() % 300);
    const std::int64_t kvh = 1 + static_cast<std::int64_t>(rng() % 3);  // interleaved heads
    std::vector<std::int8_t> q(static_cast<std::size_t>(hd));
    std::vector<std::int8_t> k(static_cast<std::size_t>(n * kvh * hd)), v(k.size());
    std::vector<ActScale> ks(static_cast<std::size_t>(n * kvh)), vs(ks.size());
    const auto i8 = [&] { return static_cast<std::int8_t>(static_cast<int>(rng() % 255) - 127); };
    const auto scale = [&] {
      const int kk = trial % 9 == 0 ? 17 : static_cast<int>(rng() % 17);
      return ActScale{static_cast<std::int32_t>(rng() % ((1 << 15) + 1)), kk};
    };
    for (auto& x : q) x = i8();
    for (auto& x : k) x = trial % 23 == 0 ? 127 : i8();
    for (auto& x : v) x = trial % 23 == 0 ? -127 : i8();
    for (auto& s : ks) s = scale();
    for (auto& s : vs) s = scale();
    const double unit = 127.0 * 127.0 * std::sqrt(static_cast<double>(hd));
    AttentionParams p;
    if (trial % 10 == 0) {  // scores beyond int32 (saturated), as in LargestScalesSaturate
      p.score_exponent = static_cast<int>(rng() % 12);
      p.exp = iexp(1.0 / 2048);
    } else {  // model::attention_params' rule
      p.score_exponent = static_cast<int>(std::floor(2 * kF - 11 + std::log2(unit)));
      p.exp = iexp(std::ldexp(1.0, p.score_exponent - 2 * kF) / unit);
    }
    p.exp_shift = std::max(0, bit_width64(p.exp.c) + p.exp.n - 30);
    const std::int64_t h = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(kvh));
    const KvView kv{k.data() + h * hd, v.data() + h * hd, ks.data() + h,
                    vs.data() + h,     kvh * hd,          kvh};
    const ActScale sq = scale();
    std::vector<std::int64_t> scratch(static_cast<std::size_t>(n + hd));
    std::vector<std::int32_t> ref(static_cast<std::size_t>(hd)), fast(ref.size());
    attention_head(q.data(), sq, kv, n, hd, p, scratch.data(), ref.data());
    attention_head_fast(q.data(), sq, kv, n, hd, p, scratch.data(), fast.data());
    ASSERT_EQ(fast, ref) << "trial " << trial;
  }
}

}  // namespace
}  // namespace atl::kernels
