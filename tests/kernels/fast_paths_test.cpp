// Every 64-bit / oneDNN / fused fast path against the plain definition it replaces, on random
// data with the edge values mixed in (int32 limits, zero, masked scores, saturating results) and
// on parameters on both sides of each "provably exact" bound (so both the fast path and the
// fallback run). A single differing element fails the test.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "kernels/attention_matmul.h"
#include "kernels/attention_plan.h"
#include "kernels/concat.h"
#include "kernels/fused.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/quant_act.h"
#include "kernels/residual_act.h"
#include "kernels/softmax.h"
#include "kernels/softmax_matmul.h"

namespace {

using atl::core::Tensor;
using namespace atl::kernels;

constexpr std::int32_t kMin32 = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t kMax32 = std::numeric_limits<std::int32_t>::max();

struct Random {
  std::mt19937_64 rng;
  explicit Random(std::uint64_t seed) : rng(seed) {}
  std::int64_t in(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  }
  // Mostly values of about `bits` bits, one in eight an edge value.
  std::int32_t value(int bits) {
    static constexpr std::int32_t edges[] = {kMin32, kMax32, 0, 1, -1, kMin32 + 1, kMax32 - 1};
    if (in(0, 7) == 0) return edges[in(0, 6)];
    const std::int64_t lim = (std::int64_t{1} << bits) - 1;
    return static_cast<std::int32_t>(in(-lim, lim));
  }
  template <class T>
  Tensor<T> tensor(std::int64_t rows, std::int64_t cols, int bits) {
    Tensor<T> t({rows, cols});
    for (auto& v : t.values()) v = static_cast<T>(value(bits));
    return t;
  }
  template <class T>
  Tensor<T> uniform(atl::core::Shape shape, std::int64_t lo, std::int64_t hi) {
    Tensor<T> t(std::move(shape));
    for (auto& v : t.values()) v = static_cast<T>(in(lo, hi));
    return t;
  }
};

QuantActParams random_act(Random& r, std::size_t n, bool per_channel, int out_bits,
                          std::int64_t m_lim, int e_lo, int e_hi) {
  QuantActParams p{{}, {}, out_bits};
  for (std::size_t c = 0; c < (per_channel ? n : 1); ++c) {
    p.m.push_back(r.in(-m_lim, m_lim));
    p.e.push_back(static_cast<int>(r.in(e_lo, e_hi)));
  }
  return p;
}

template <class Out>
Tensor<Out> quant_ref(const Tensor<std::int32_t>& x, const QuantActParams& p) {
  Tensor<Out> y(x.shape());
  for (std::int64_t i = 0; i < x.rows(); ++i)
    quant_act_row_ref<std::int32_t, Out>(x.row(i), p, y.row(i));
  return y;
}

TEST(FastPaths, QuantActMatchesDefinition) {
  Random r(1);
  const std::int64_t lim31 = (std::int64_t{1} << 31) - 1;
  for (int trial = 0; trial < 40; ++trial) {
    const std::int64_t cols = r.in(1, 300);
    const auto x = r.tensor<std::int32_t>(r.in(1, 40), cols, static_cast<int>(r.in(4, 31)));
    const bool per_channel = trial % 3 != 0;
    const auto p = random_act(r, static_cast<std::size_t>(cols), per_channel, trial % 2 ? 8 : 32,
                              lim31, 1, 62);
    ASSERT_TRUE(fits_int64(p));
    EXPECT_EQ(quant_act<std::int8_t>(x, {p.m, p.e, 8}).values(),
              quant_ref<std::int8_t>(x, {p.m, p.e, 8}).values());
    EXPECT_EQ(quant_act<std::int32_t>(x, p).values(), quant_ref<std::int32_t>(x, p).values());
    std::vector<std::int32_t> row(static_cast<std::size_t>(cols)), ref(row.size());
    quant_act_row<std::int32_t, std::int32_t>(x.row(0), p, row);
    quant_act_row_ref<std::int32_t, std::int32_t>(x.row(0), p, ref);
    EXPECT_EQ(row, ref);
  }
  // Outside the bound: |m| >= 2^31 or e outside 1..62 -> the 128-bit path, same results.
  const auto x = r.tensor<std::int32_t>(8, 16, 31);
  for (const QuantActParams& p : {QuantActParams{{std::int64_t{1} << 31}, {40}, 32},
                                  QuantActParams{{-(std::int64_t{1} << 40)}, {63}, 32},
                                  QuantActParams{{12345}, {0}, 32}, QuantActParams{{3}, {-2}, 8}}) {
    EXPECT_FALSE(fits_int64(p));
    EXPECT_EQ(quant_act<std::int32_t>(x, p).values(), quant_ref<std::int32_t>(x, p).values());
  }
  EXPECT_TRUE(fits_int64({{lim31, -lim31}, {1, 62}, 8}));
}

TEST(FastPaths, ResidualActMatchesDefinition) {
  Random r(2);
  for (int trial = 0; trial < 30; ++trial) {
    const std::int64_t rows = r.in(1, 20), cols = r.in(1, 200);
    const auto x = r.tensor<std::int32_t>(rows, cols, static_cast<int>(r.in(8, 31)));
    const auto id = r.uniform<std::int8_t>({rows, cols}, -128, 127);
    ResidualActParams p;
    p.main = random_act(r, static_cast<std::size_t>(cols), true, trial % 2 ? 32 : 20,
                        (std::int64_t{1} << 31) - 1, 1, 62);
    p.identity = random_act(r, 1, false, 32, (std::int64_t{1} << 31) - 1, 1, 40);
    ASSERT_TRUE(residual_fits_int64(p, static_cast<std::size_t>(cols)));
    const auto fast = residual_act(x, id, p);
    for (std::int64_t i = 0; i < rows; ++i) {
      std::vector<std::int32_t> o(static_cast<std::size_t>(cols)), o0(o.size()), o1(o.size());
      residual_act_row_ref(x.row(i), id.row(i), p, o, o0, o1);
      EXPECT_EQ(std::vector<std::int32_t>(fast.output.row(i).begin(), fast.output.row(i).end()), o);
      EXPECT_EQ(std::vector<std::int32_t>(fast.output0.row(i).begin(), fast.output0.row(i).end()),
                o0);
      EXPECT_EQ(std::vector<std::int32_t>(fast.output1.row(i).begin(), fast.output1.row(i).end()),
                o1);
      std::vector<std::int32_t> only(o.size());
      residual_act_row(x.row(i), id.row(i), p, only);  // the sum alone
      EXPECT_EQ(only, o);
    }
  }
}

GeluParams random_gelu(Random& r, std::size_t n, std::int64_t c_lim) {
  GeluParams p;
  for (std::size_t i = 0; i < n; ++i) {
    p.b.push_back(-r.in(0, std::int64_t{1} << 31));
    p.c.push_back(r.in(-c_lim, c_lim));
    p.shift.push_back(r.in(-(std::int64_t{1} << 40), std::int64_t{1} << 40));
  }
  p.k = static_cast<int>(r.in(1, 40));
  return p;
}

TEST(FastPaths, GeluMatchesDefinition) {
  Random r(3);
  for (int trial = 0; trial < 30; ++trial) {
    const std::int64_t rows = r.in(1, 16), cols = r.in(1, 300);
    const auto x = r.tensor<std::int32_t>(rows, cols, static_cast<int>(r.in(4, 31)));
    // Small tables (I-BERT-like) and tables at the bound (|c| just under 2^61).
    auto p = random_gelu(r, static_cast<std::size_t>(cols),
                         trial % 2 ? (std::int64_t{1} << 24) : (std::int64_t{1} << 61) - 1);
    if (trial % 4 == 0) {  // I-BERT's magnitudes: b ~ -2^12, c ~ 2^24, shift ~ -2^14
      for (auto& b : p.b) b = -r.in(1, 8000);
      for (auto& s : p.shift) s = -r.in(0, 1 << 14);
      p.k = 14;
    }
    ASSERT_TRUE(gelu_fits_int64(p, static_cast<std::size_t>(cols)));
    const auto fast = gelu(x, p);
    for (std::int64_t i = 0; i < rows; ++i) {
      std::vector<std::int32_t> ref(static_cast<std::size_t>(cols)), row(ref.size());
      gelu_row_ref(x.row(i), p, ref);
      gelu_row(x.row(i), p, row);
      EXPECT_EQ(std::vector<std::int32_t>(fast.row(i).begin(), fast.row(i).end()), ref);
      EXPECT_EQ(row, ref);
    }
  }
  GeluParams wide{{-5}, {std::int64_t{1} << 62}, {0}, 3};  // per tensor, |c| >= 2^61: definition
  EXPECT_FALSE(gelu_fits_int64(wide, 4));
  const Tensor<std::int32_t> x({1, 4}, {kMin32, -3, 3, kMax32});
  std::vector<std::int32_t> ref(4);
  gelu_row_ref(x.row(0), wide, ref);
  EXPECT_EQ(gelu(x, wide).values(), ref);
}

TEST(FastPaths, LayerNormMatchesDefinition) {
  Random r(4);
  for (int trial = 0; trial < 40; ++trial) {
    const std::int64_t rows = r.in(1, 12), cols = r.in(1, 800);
    // Wide rows (|d| ~ 2^31, so the 64-bit bounds fail and rows fall back) and I-BERT-like rows.
    const auto x = r.tensor<std::int32_t>(rows, cols, static_cast<int>(r.in(2, 31)));
    LayerNormParams p;
    p.shift = static_cast<int>(r.in(0, 31));
    for (std::int64_t c = 0; c < cols; ++c) p.bias.push_back(r.in(-(1 << 30), 1 << 30));
    const auto fast = layernorm(x, p);
    for (std::int64_t i = 0; i < rows; ++i) {
      std::vector<std::int32_t> ref(static_cast<std::size_t>(cols)), yref(ref.size()),
          row(ref.size()), yrow(ref.size());
      layernorm_row_ref(x.row(i), p, ref, yref);
      layernorm_row(x.row(i), p, row, yrow);
      EXPECT_EQ(std::vector<std::int32_t>(fast.row(i).begin(), fast.row(i).end()), ref);
      EXPECT_EQ(row, ref);
      EXPECT_EQ(yrow, yref);
    }
  }
  // A row whose 64-bit bounds fail is reported as such (and computed by the definition).
  const std::vector<std::int32_t> wide = {kMin32, kMax32, kMin32, kMax32};
  const LayerNormParams p0{0, {0, 0, 0, 0}};
  std::vector<std::int32_t> out(4), y(4);
  EXPECT_FALSE(layernorm_row_i64(wide.data(), 4, p0, out.data(), y.data()));
}

SoftmaxParams golden_softmax() {
  return SoftmaxParams{-490, 1912, 1393919, 30, 1615394284, 66};
}

void expect_softmax_matches(const Tensor<std::int32_t>& s, std::int64_t valid,
                            const SoftmaxParams& p) {
  const std::int64_t rows = s.rows(), cols = s.dim(1);
  Tensor<std::uint8_t> fast(s.shape());
  softmax_rows(s.data(), rows, static_cast<std::size_t>(cols), valid, p, fast.data());
  for (std::int64_t i = 0; i < rows; ++i) {
    std::vector<std::int32_t> masked(s.row(i).begin(), s.row(i).end());
    mask_scores_row(masked, valid);
    std::vector<std::uint8_t> ref(static_cast<std::size_t>(cols)), row(ref.size());
    softmax_row_ref(masked, p, ref);
    softmax_row(masked, p, row);
    ASSERT_EQ(std::vector<std::uint8_t>(fast.row(i).begin(), fast.row(i).end()), ref)
        << "row " << i;
    ASSERT_EQ(row, ref) << "row " << i;
  }
}

TEST(FastPaths, SoftmaxMatchesDefinition) {
  Random r(5);
  for (int trial = 0; trial < 30; ++trial) {
    const std::int64_t rows = r.in(1, 40), cols = r.in(1, 200);
    // Score spreads from "one element dominates" (the 255 clamp) to "nearly uniform".
    const int bits = static_cast<int>(r.in(3, 31));
    auto s = r.tensor<std::int32_t>(rows, cols, bits);
    if (trial % 5 == 0) s.values()[0] = kMaskedScore;
    expect_softmax_matches(s, r.in(0, cols + 2), golden_softmax());
  }
  // Random constants, inside and outside the 64-bit bounds (e.g. e <= n, huge c, x0 < -2^24).
  for (int trial = 0; trial < 60; ++trial) {
    SoftmaxParams p;
    p.x0 = -r.in(1, trial % 6 == 0 ? (std::int64_t{1} << 30) : 5000);
    p.b = r.in(-(1 << 20), 1 << 20);
    p.c = r.in(trial % 7 == 0 ? -(std::int64_t{1} << 50) : 0, std::int64_t{1} << 30);
    p.n = static_cast<int>(r.in(0, 40));
    p.m = r.in(-(std::int64_t{1} << 31), std::int64_t{1} << 31);
    p.e = static_cast<int>(r.in(1, 100));
    auto s = r.tensor<std::int32_t>(r.in(1, 8), r.in(1, 130), static_cast<int>(r.in(3, 20)));
    expect_softmax_matches(s, s.dim(1), p);
  }
}

TEST(FastPaths, FusedStagesMatchKernelComposition) {
  Random r(6);
  for (int trial = 0; trial < 10; ++trial) {
    const std::int64_t rows = r.in(1, 20), cols = r.in(2, 300);
    const auto x = r.tensor<std::int32_t>(rows, cols, static_cast<int>(r.in(8, 26)));
    const auto id = r.uniform<std::int8_t>({rows, cols}, -128, 127);
    ResidualActParams res;
    res.main = random_act(r, static_cast<std::size_t>(cols), true, 32, 1 << 30, 20, 30);
    res.identity = random_act(r, 1, false, 32, 1 << 30, 15, 20);
    LayerNormParams ln{static_cast<int>(r.in(0, 8)), {}};
    for (std::int64_t c = 0; c < cols; ++c) ln.bias.push_back(r.in(-(1 << 20), 1 << 20));
    const auto act = random_act(r, static_cast<std::size_t>(cols), true, 8, 1 << 30, 30, 50);
    EXPECT_EQ(residual_layernorm_act(x, id, res, ln, act).values(),
              quant_ref<std::int8_t>(layernorm(residual_act(x, id, res).output, ln), act).values());
    const auto gp = random_gelu(r, static_cast<std::size_t>(cols), 1 << 24);
    EXPECT_EQ(gelu_act(x, gp, act).values(), quant_ref<std::int8_t>(gelu(x, gp), act).values());
  }
}

// Parameters that make exact ties frequent: m = +-2^j or +-3 * 2^j and e = j + 1..3, so x*m / 2^e
// is an exact half for a quarter to a half of all x, of both signs and with odd and even integer
// parts. The fast paths must round them as the definition does (ties to even).
QuantActParams tie_act(Random& r, std::size_t n, bool per_channel, int out_bits) {
  QuantActParams p{{}, {}, out_bits};
  for (std::size_t c = 0; c < (per_channel ? n : 1); ++c) {
    const int j = static_cast<int>(r.in(0, 29));
    p.m.push_back((r.in(0, 1) ? 1 : -1) * (r.in(0, 1) ? 1 : 3) * (std::int64_t{1} << j));
    p.e.push_back(j + static_cast<int>(r.in(1, 3)));
  }
  return p;
}

// How many x[c] * m / 2^e of a tensor are exact ties.
std::int64_t count_ties(const Tensor<std::int32_t>& x, const QuantActParams& p) {
  std::int64_t ties = 0;
  const auto n = static_cast<std::size_t>(x.dim(1));
  for (std::size_t i = 0; i < x.values().size(); ++i) {
    const std::size_t c = p.m.size() == 1 ? 0 : i % n;
    const __int128 prod = static_cast<__int128>(x.values()[i]) * p.m[c];
    const __int128 half = static_cast<__int128>(1) << (p.e[c] - 1);
    ties += (prod & (2 * half - 1)) == half;
  }
  return ties;
}

TEST(FastPaths, TiesRoundToEvenLikeTheDefinition) {
  Random r(8);
  std::int64_t ties = 0;
  for (int trial = 0; trial < 20; ++trial) {
    const std::int64_t rows = r.in(1, 20), cols = r.in(2, 300);
    const auto x = r.tensor<std::int32_t>(rows, cols, static_cast<int>(r.in(4, 31)));
    const auto p = tie_act(r, static_cast<std::size_t>(cols), trial % 3 != 0, 32);
    ASSERT_TRUE(fits_int64(p));
    ties += count_ties(x, p);
    EXPECT_EQ(quant_act<std::int32_t>(x, p).values(), quant_ref<std::int32_t>(x, p).values());
    EXPECT_EQ(quant_act<std::int8_t>(x, {p.m, p.e, 8}).values(),
              quant_ref<std::int8_t>(x, {p.m, p.e, 8}).values());

    const auto id = r.uniform<std::int8_t>({rows, cols}, -128, 127);
    ResidualActParams res{tie_act(r, static_cast<std::size_t>(cols), true, 32),
                          tie_act(r, 1, false, 32)};
    const auto fast = residual_act(x, id, res);
    for (std::int64_t i = 0; i < rows; ++i) {
      std::vector<std::int32_t> o(static_cast<std::size_t>(cols)), o0(o.size()), o1(o.size());
      residual_act_row_ref(x.row(i), id.row(i), res, o, o0, o1);
      EXPECT_EQ(std::vector<std::int32_t>(fast.output.row(i).begin(), fast.output.row(i).end()), o);
    }

    // The fused stages, with LayerNorm rows of small values (so their means tie now and then).
    const auto small = r.tensor<std::int32_t>(rows, cols, 10);
    LayerNormParams ln{static_cast<int>(r.in(0, 4)), std::vector<std::int64_t>(cols, 3)};
    const auto act = tie_act(r, static_cast<std::size_t>(cols), true, 8);
    EXPECT_EQ(
        residual_layernorm_act(small, id, res, ln, act).values(),
        quant_ref<std::int8_t>(layernorm(residual_act(small, id, res).output, ln), act).values());
    const auto gp = random_gelu(r, static_cast<std::size_t>(cols), 1 << 24);
    EXPECT_EQ(gelu_act(x, gp, act).values(), quant_ref<std::int8_t>(gelu(x, gp), act).values());
  }
  EXPECT_GT(ties, 5000);  // 9303 with this seed
}

TEST(FastPaths, LayerNormTiedMeansMatchDefinition) {
  Random r(9);
  for (int trial = 0; trial < 40; ++trial) {
    const std::int64_t cols = 2 * r.in(1, 400);
    auto x = r.tensor<std::int32_t>(4, cols, static_cast<int>(r.in(2, 24)));
    for (std::int64_t i = 0; i < 4; ++i) {  // choose x[0] so that sum mod cols = cols / 2: a tie
      std::int64_t rest = 0;
      for (std::int64_t c = 1; c < cols; ++c) rest += x(i, c);
      x(i, 0) = static_cast<std::int32_t>(cols / 2 - ((rest % cols) + cols) % cols);
      std::int64_t sum = 0;
      for (std::int64_t c = 0; c < cols; ++c) sum += x(i, c);
      ASSERT_EQ(((sum % cols) + cols) % cols, cols / 2);
    }
    LayerNormParams p{static_cast<int>(r.in(0, 8)), std::vector<std::int64_t>(cols, -5)};
    const auto fast = layernorm(x, p);
    for (std::int64_t i = 0; i < 4; ++i) {
      std::vector<std::int32_t> ref(static_cast<std::size_t>(cols));
      layernorm_row_ref(x.row(i), p, ref);
      EXPECT_EQ(std::vector<std::int32_t>(fast.row(i).begin(), fast.row(i).end()), ref);
    }
  }
}

TEST(FastPaths, SoftmaxTiesMatchDefinition) {
  // x0 = -4, b = 0, c = 8, n = 2, m = 1, e = 3: e16 = exp / 8 with exp in multiples of 4, so half
  // of the columns are exact ties (see softmax_test.cpp for one row by hand).
  const SoftmaxParams p{-4, 0, 8, 2, 1, 3};
  Random r(10);
  for (int trial = 0; trial < 20; ++trial) {
    auto s = r.tensor<std::int32_t>(r.in(1, 10), r.in(1, 100), 4);
    expect_softmax_matches(s, s.dim(1), p);
  }
}

// oneDNN's batched matmuls against the per-head plain loops. Extreme operands (all -128, 255 x
// -128, 255 x 127) make the pair sums that a non-VNNI u8 x s8 kernel would saturate.
TEST(FastPaths, AttentionPlanMatchesPerHeadKernels) {
  Random r(7);
  struct Case {
    std::int64_t heads, d, tokens;
    int fill;  // 0: random, 1: all -128, 2: all 127
  };
  for (const Case c : {Case{12, 64, 128, 0}, Case{3, 16, 7, 0}, Case{2, 8, 33, 1},
                       Case{4, 64, 128, 1}, Case{4, 64, 128, 2}, Case{1, 5, 1, 0}}) {
    const std::int64_t hidden = c.heads * c.d;
    auto q = r.uniform<std::int8_t>({c.tokens, hidden}, -128, 127);
    auto k = r.uniform<std::int8_t>({c.tokens, hidden}, -128, 127);
    auto v = r.uniform<std::int8_t>({c.tokens, hidden}, -128, 127);
    auto p = r.uniform<std::uint8_t>({c.heads, c.tokens, c.tokens}, 0, 255);
    if (c.fill != 0) {
      const auto fill = static_cast<std::int8_t>(c.fill == 1 ? -128 : 127);
      for (auto* t : {&q, &k, &v}) std::fill(t->values().begin(), t->values().end(), fill);
      std::fill(p.values().begin(), p.values().end(), std::uint8_t{255});
    }
    const AttentionPlan plan(c.heads, c.d);
    const auto scores = plan.scores(q, k);
    const auto context = plan.context(p, v);
    std::vector<Tensor<std::int32_t>> heads;
    for (std::int64_t h = 0; h < c.heads; ++h) {
      Tensor<std::int8_t> qh({c.tokens, c.d}), kh({c.tokens, c.d}), vh({c.tokens, c.d});
      Tensor<std::uint8_t> ph({c.tokens, c.tokens});
      for (std::int64_t i = 0; i < c.tokens; ++i) {
        for (std::int64_t t = 0; t < c.d; ++t) {
          qh(i, t) = q(i, h * c.d + t);
          kh(i, t) = k(i, h * c.d + t);
          vh(i, t) = v(i, h * c.d + t);
        }
        for (std::int64_t j = 0; j < c.tokens; ++j)
          ph(i, j) = p.data()[(h * c.tokens + i) * c.tokens + j];
      }
      const auto s = attention_matmul(qh, kh);
      for (std::int64_t i = 0; i < c.tokens; ++i) {
        for (std::int64_t j = 0; j < c.tokens; ++j) {
          ASSERT_EQ(scores.data()[(h * c.tokens + i) * c.tokens + j], s(i, j))
              << "head " << h << " (" << i << ", " << j << ")";
        }
      }
      heads.push_back(softmax_matmul(ph, vh));
    }
    EXPECT_EQ(context.values(), concat(heads).values());
  }
  EXPECT_THROW(AttentionPlan(0, 64), atl::core::Error);
  const AttentionPlan plan(2, 4);
  EXPECT_THROW(plan.scores(Tensor<std::int8_t>({3, 8}), Tensor<std::int8_t>({3, 7})),
               atl::core::Error);
  EXPECT_THROW(plan.context(Tensor<std::uint8_t>({2, 3, 4}), Tensor<std::int8_t>({3, 8})),
               atl::core::Error);
}

}  // namespace
