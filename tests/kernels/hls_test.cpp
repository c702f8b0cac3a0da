// The HLS-safe definitions (src/kernels/hls/) with the parallelism knobs the hardware uses
// (PE values per stream element, UNROLL products per step, several rows per call) equal the
// CPU's plain path (PE = 1, one row) and independent oracles; the 128-bit oracles are the
// project's former __int128 definitions, kept here as references.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kernels/attention_matmul.h"
#include "kernels/gelu.h"
#include "kernels/hls/gelu.h"
#include "kernels/hls/layernorm.h"
#include "kernels/hls/matmul.h"
#include "kernels/hls/quant_act.h"
#include "kernels/hls/residual_act.h"
#include "kernels/hls/softmax.h"
#include "kernels/identity_add.h"
#include "kernels/layernorm.h"
#include "kernels/linear.h"
#include "kernels/quant_act.h"
#include "kernels/residual_act.h"
#include "kernels/softmax.h"
#include "kernels/softmax_matmul.h"

namespace {

namespace hls = atl::kernels::hls;
using namespace atl::kernels;
using i128 = __int128;

struct Random {
  std::mt19937_64 rng;
  explicit Random(std::uint64_t seed) : rng(seed) {}
  std::int64_t in(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  }
  template <class T>
  std::vector<T> values(std::size_t n, std::int64_t lo, std::int64_t hi) {
    std::vector<T> v(n);
    for (auto& x : v) x = static_cast<T>(in(lo, hi));
    return v;
  }
};

constexpr int kRows = 3;
constexpr std::int64_t kI32Min = INT32_MIN, kI32Max = INT32_MAX;

// Runs a single-stream definition over rows x n values with PE lanes.
template <int PE, class In, class Out, class F>
std::vector<Out> run_stream(const std::vector<In>& x, std::size_t out_size, F&& f) {
  std::vector<Out> y(out_size);
  hls::ConstArrayStream<In, PE> in{x.data()};
  hls::ArrayStream<Out, PE> out{y.data()};
  f(in, out);
  return y;
}

TEST(KernelsHls, QuantActWithLanesEqualsPlainPath) {
  Random r(1);
  for (int trial = 0; trial < 50; ++trial) {
    const int n = 4 * static_cast<int>(r.in(1, 40));
    QuantActParams p;
    const std::size_t count = trial % 3 == 0 ? 1 : static_cast<std::size_t>(n);
    p.m = r.values<std::int64_t>(count, -(std::int64_t{1} << 40), std::int64_t{1} << 40);
    p.e = r.values<int>(count, -4, 80);
    p.out_bits = trial % 2 ? 8 : 32;
    const auto x = r.values<std::int32_t>(static_cast<std::size_t>(kRows * n), kI32Min, kI32Max);
    const auto y = run_stream<4, std::int32_t, std::int32_t>(
        x, x.size(), [&](auto& in, auto& out) { hls::quant_act<4>(in, out, kRows, n, consts(p)); });
    for (int row = 0; row < kRows; ++row) {
      std::vector<std::int32_t> want(static_cast<std::size_t>(n));
      quant_act_row_ref<std::int32_t, std::int32_t>({x.data() + row * n, want.size()}, p, want);
      for (int c = 0; c < n; ++c) ASSERT_EQ(y[static_cast<std::size_t>(row * n + c)], want[c]);
    }
  }
}

TEST(KernelsHls, ResidualAndIdentityAddWithLanesEqualPlainPath) {
  Random r(2);
  for (int trial = 0; trial < 50; ++trial) {
    const int n = 2 * static_cast<int>(r.in(1, 50));
    ResidualActParams p;
    p.main.m = r.values<std::int64_t>(static_cast<std::size_t>(n), -(1 << 30), 1 << 30);
    p.main.e = r.values<int>(static_cast<std::size_t>(n), 1, 40);
    p.identity.m = {r.in(-(std::int64_t{1} << 50), std::int64_t{1} << 50)};
    p.identity.e = {static_cast<int>(r.in(-2, 70))};
    const auto size = static_cast<std::size_t>(kRows * n);
    const auto x = r.values<std::int32_t>(size, kI32Min, kI32Max);
    const auto id = r.values<std::int8_t>(size, -128, 127);
    std::vector<std::int32_t> res(size), add(size);
    hls::ConstArrayStream<std::int32_t, 2> xs{x.data()}, xs2{x.data()};
    hls::ConstArrayStream<std::int8_t, 2> ids{id.data()}, ids2{id.data()};
    hls::ArrayStream<std::int32_t, 2> rs{res.data()}, as{add.data()};
    hls::residual_act<2>(xs, ids, rs, kRows, n, consts(p.main), consts(p.identity));
    hls::identity_add<2>(xs2, ids2, as, kRows, n, consts(p.identity));
    for (int row = 0; row < kRows; ++row) {
      const std::size_t at = static_cast<std::size_t>(row * n), len = static_cast<std::size_t>(n);
      std::vector<std::int32_t> want(len), want_add(len);
      residual_act_row_ref({x.data() + at, len}, {id.data() + at, len}, p, want);
      identity_add_row_ref({x.data() + at, len}, {id.data() + at, len}, p.identity, want_add);
      for (std::size_t c = 0; c < len; ++c) {
        ASSERT_EQ(res[at + c], want[c]);
        ASSERT_EQ(add[at + c], want_add[c]);
        // Oracle: both branches exactly (128 bits), summed, saturated.
        const i128 sum = static_cast<i128>(quant_act_value(x[at + c], p.main, c)) +
                         quant_act_value(id[at + c], p.identity, c);
        ASSERT_EQ(want[c], static_cast<std::int32_t>(
                               sum > kI32Max ? kI32Max : (sum < kI32Min ? kI32Min : sum)));
      }
    }
  }
}

// The former 128-bit LayerNorm definition.
std::vector<std::int32_t> layernorm_oracle(const std::int32_t* x, std::size_t n, int shift,
                                           const std::vector<std::int64_t>& bias) {
  std::int64_t sum = 0;
  for (std::size_t c = 0; c < n; ++c) sum += x[c];
  const std::int64_t mean = layernorm_mean(sum, static_cast<std::int64_t>(n));
  i128 var = 0;
  for (std::size_t c = 0; c < n; ++c) {
    const std::int64_t y = (static_cast<std::int64_t>(x[c]) - mean) >> shift;
    var += static_cast<i128>(y) * y;
  }
  const i128 umax = static_cast<i128>(UINT64_MAX);
  const std::uint64_t sd = isqrt_exact(static_cast<std::uint64_t>(var > umax ? umax : var));
  const i128 divisor = static_cast<i128>(sd) << shift;
  const i128 factor = divisor == 0 ? (i128{1} << 31) : (i128{1} << 31) / divisor;
  std::vector<std::int32_t> out(n);
  for (std::size_t c = 0; c < n; ++c) {
    const i128 v = ((static_cast<i128>(x[c]) - mean) * factor >> 1) + bias[c];
    out[c] = static_cast<std::int32_t>(v > kI32Max ? kI32Max : (v < kI32Min ? kI32Min : v));
  }
  return out;
}

TEST(KernelsHls, LayerNormWithLanesEqualsPlainPathAndOracle) {
  Random r(3);
  for (int trial = 0; trial < 60; ++trial) {
    const int n = 4 * static_cast<int>(r.in(1, 64));
    LayerNormParams p;
    p.shift = static_cast<int>(r.in(0, 31));
    const std::int64_t blim = trial % 4 == 0 ? INT64_MAX : (std::int64_t{1} << 40);
    p.bias = r.values<std::int64_t>(static_cast<std::size_t>(n), -blim, blim);
    const int bits = static_cast<int>(r.in(1, 31));
    auto x = r.values<std::int32_t>(static_cast<std::size_t>(kRows * n), -(std::int64_t{1} << bits),
                                    (std::int64_t{1} << bits) - 1);
    if (trial % 5 == 0) x[0] = INT32_MIN, x[1] = INT32_MAX;  // the widest row range
    std::vector<std::int32_t> buf(static_cast<std::size_t>(n));
    const auto y = run_stream<4, std::int32_t, std::int32_t>(x, x.size(), [&](auto& in, auto& out) {
      hls::layernorm<4>(in, out, kRows, n, p.shift, p.bias.data(), buf.data());
    });
    for (int row = 0; row < kRows; ++row) {
      const std::size_t at = static_cast<std::size_t>(row * n), len = static_cast<std::size_t>(n);
      std::vector<std::int32_t> want(len), y_int(len);
      layernorm_row_ref({x.data() + at, len}, p, want, y_int);
      const auto oracle = layernorm_oracle(x.data() + at, len, p.shift, p.bias);
      for (std::size_t c = 0; c < len; ++c) {
        ASSERT_EQ(y[at + c], want[c]) << trial;
        ASSERT_EQ(want[c], oracle[c]) << trial;
      }
    }
  }
}

TEST(KernelsHls, IsqrtIsExactOnEdges) {
  for (std::uint64_t s : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{3},
                          std::uint64_t{65535}, std::uint64_t{4294967295}}) {
    const std::uint64_t sq = s * s;
    EXPECT_EQ(hls::isqrt_exact(sq), s);
    if (sq > 0) {
      EXPECT_EQ(hls::isqrt_exact(sq - 1), s - 1);
    }
    if (s < 4294967295) {
      EXPECT_EQ(hls::isqrt_exact(sq + 2 * s), s);  // (s+1)^2 - 1
    }
  }
  EXPECT_EQ(hls::isqrt_exact(UINT64_MAX), 4294967295u);
}

// The former 128-bit GELU definition.
std::int64_t gelu_oracle(std::int64_t x, std::int64_t b, std::int64_t c, std::int64_t shift,
                         int k) {
  if (x == 0) return 0;
  const std::int64_t a = std::min<std::int64_t>(x < 0 ? -x : x, -b);
  const i128 t = a + b;
  const i128 sq = t * t + c;
  const i128 y = x < 0 ? (-sq) >> k : sq >> k;
  const i128 v = static_cast<i128>(x) * (y + shift);
  return static_cast<std::int64_t>(v > kI32Max ? kI32Max : (v < kI32Min ? kI32Min : v));
}

TEST(KernelsHls, GeluWithLanesEqualsPlainPathAndOracle) {
  Random r(4);
  const std::int64_t edges[] = {
      INT64_MAX, INT64_MIN, std::int64_t{1} << 62, -(std::int64_t{1} << 62), 0, 1, -1};
  for (int trial = 0; trial < 60; ++trial) {
    const int n = 4 * static_cast<int>(r.in(1, 32));
    const auto size = static_cast<std::size_t>(n);
    GeluParams p;
    p.b = r.values<std::int64_t>(size, trial % 3 == 0 ? -(std::int64_t{1} << 31) : -5000, 0);
    p.c = r.values<std::int64_t>(size, -(std::int64_t{1} << 40), std::int64_t{1} << 40);
    p.shift = r.values<std::int64_t>(size, -(std::int64_t{1} << 40), std::int64_t{1} << 40);
    for (std::size_t i = 0; i < size; i += 3) {
      p.c[i] = edges[r.in(0, 6)];
      p.shift[i] = edges[r.in(0, 6)];
    }
    p.k = static_cast<int>(r.in(0, 62));
    const auto x = r.values<std::int32_t>(static_cast<std::size_t>(kRows * n), kI32Min, kI32Max);
    const hls::GeluConsts g{p.b.data(), p.c.data(), p.shift.data(), n, p.k};
    const auto y = run_stream<4, std::int32_t, std::int32_t>(
        x, x.size(), [&](auto& in, auto& out) { hls::gelu<4>(in, out, kRows, n, g); });
    for (int row = 0; row < kRows; ++row) {
      const std::size_t at = static_cast<std::size_t>(row * n);
      std::vector<std::int32_t> want(size);
      gelu_row_ref({x.data() + at, size}, p, want);
      for (std::size_t c = 0; c < size; ++c) {
        ASSERT_EQ(y[at + c], want[c]);
        ASSERT_EQ(want[c], gelu_oracle(x[at + c], p.b[c], p.c[c], p.shift[c], p.k))
            << x[at + c] << " " << p.b[c] << " " << p.c[c] << " " << p.shift[c] << " " << p.k;
      }
    }
  }
}

// The former 128-bit i-exp.
std::int64_t softmax_exp_oracle(std::int64_t d, const SoftmaxParams& p) {
  const std::int64_t x = std::max(d, static_cast<std::int64_t>(p.n) * p.x0);
  const std::int64_t q = x / p.x0;
  const std::int64_t r = x - p.x0 * q;
  const i128 poly = (static_cast<i128>(r) + p.b) * r + p.c;
  if (poly <= 0) return 0;
  const int s = static_cast<int>(p.n - q);
  if (poly > (static_cast<i128>(INT64_MAX) >> s)) return INT64_MAX;
  return static_cast<std::int64_t>(poly << s);
}

TEST(KernelsHls, SoftmaxWithLanesEqualsPlainPathAndOracle) {
  Random r(5);
  for (int trial = 0; trial < 60; ++trial) {
    const int n = 4 * static_cast<int>(r.in(1, 40));
    SoftmaxParams p{-r.in(1, trial % 4 == 0 ? (std::int64_t{1} << 31) : 5000),
                    r.in(-(std::int64_t{1} << 31), std::int64_t{1} << 31),
                    r.in(-(std::int64_t{1} << 62), std::int64_t{1} << 62),
                    static_cast<int>(r.in(0, 62)),
                    r.in(-(std::int64_t{1} << 40), std::int64_t{1} << 40),
                    static_cast<int>(r.in(-5, 100))};
    if (trial % 2 == 0) p = SoftmaxParams{-490, 1912, 1393919, 30, 1615394284, 66};  // golden
    auto x = r.values<std::int32_t>(static_cast<std::size_t>(kRows * n), -(1 << 20), 1 << 20);
    for (std::size_t i = 0; i < x.size(); i += 7) x[i] = kMaskedScore;
    std::vector<std::int32_t> buf(static_cast<std::size_t>(n));
    const hls::SoftmaxConsts k{p.x0, p.b, p.c, p.n, p.m, p.e};
    const auto y = run_stream<4, std::int32_t, std::uint8_t>(x, x.size(), [&](auto& in, auto& out) {
      hls::softmax<4>(in, out, kRows, n, k, buf.data());
    });
    for (int row = 0; row < kRows; ++row) {
      const std::size_t at = static_cast<std::size_t>(row * n), len = static_cast<std::size_t>(n);
      std::vector<std::uint8_t> want(len);
      std::vector<std::int64_t> ex(len);
      softmax_row_ref({x.data() + at, len}, p, want, ex);
      const std::int32_t max = *std::max_element(x.begin() + at, x.begin() + at + len);
      for (std::size_t c = 0; c < len; ++c) {
        ASSERT_EQ(y[at + c], want[c]) << trial;
        const std::int64_t d =
            x[at + c] == kMaskedScore ? std::int64_t{kMaskedScore} : std::int64_t{x[at + c]} - max;
        ASSERT_EQ(ex[c], softmax_exp_oracle(d, p)) << trial << " " << d;
      }
    }
  }
}

TEST(KernelsHls, MatmulsWithLanesAndUnrollEqualPlainLoops) {
  Random r(6);
  const int in_n = 12, out_n = 8, cols = 8, d = 12;
  const auto w = r.values<std::int8_t>(static_cast<std::size_t>(out_n * in_n), -128, 127);
  auto bias = r.values<std::int32_t>(static_cast<std::size_t>(out_n), kI32Min, kI32Max);
  bias[0] = INT32_MAX;  // saturates for a positive sum
  const auto x = r.values<std::int8_t>(static_cast<std::size_t>(kRows * in_n), -128, 127);
  std::vector<std::int8_t> x_buf(in_n);
  const auto y = run_stream<2, std::int8_t, std::int32_t>(
      x, static_cast<std::size_t>(kRows * out_n), [&](auto& in, auto& out) {
        // PE = 2 lanes in and out, UNROLL = 4 products per step.
        hls::linear<2, 4>(in, out, kRows, in_n, out_n, w.data(), bias.data(), x_buf.data());
      });
  const atl::core::Tensor<std::int8_t> wt({out_n, in_n}, w);
  const atl::core::Tensor<std::int8_t> xt({kRows, in_n}, x);
  const auto want = linear_ref(xt, wt, bias);
  const auto fast = linear(xt, wt, bias);  // oneDNN
  for (std::size_t i = 0; i < y.size(); ++i) {
    ASSERT_EQ(y[i], want.values()[i]);
    ASSERT_EQ(y[i], fast.values()[i]);
  }
  // attention: q [rows, d] x k [cols, d]; softmax matmul: p [rows, cols] x v [cols, d].
  const auto k = r.values<std::int8_t>(static_cast<std::size_t>(cols * d), -128, 127);
  const auto q = r.values<std::int8_t>(static_cast<std::size_t>(kRows * d), -128, 127);
  std::vector<std::int8_t> q_buf(d);
  const auto s = run_stream<4, std::int8_t, std::int32_t>(
      q, static_cast<std::size_t>(kRows * cols), [&](auto& in, auto& out) {
        hls::attention_matmul<4, 3>(in, out, kRows, d, cols, k.data(), q_buf.data());
      });
  const auto pm = r.values<std::uint8_t>(static_cast<std::size_t>(kRows * cols), 0, 255);
  std::vector<std::uint8_t> p_buf(cols);
  const auto o = run_stream<4, std::uint8_t, std::int32_t>(
      pm, static_cast<std::size_t>(kRows * d), [&](auto& in, auto& out) {
        hls::softmax_matmul<4>(in, out, kRows, cols, d, k.data(), p_buf.data());
      });
  for (int i = 0; i < kRows; ++i) {
    for (int j = 0; j < cols; ++j) {
      std::int32_t acc = 0;
      for (int t = 0; t < d; ++t) acc += q[i * d + t] * k[j * d + t];
      ASSERT_EQ(s[static_cast<std::size_t>(i * cols + j)], acc);
    }
    for (int t = 0; t < d; ++t) {
      std::int32_t acc = 0;
      for (int j = 0; j < cols; ++j) acc += pm[i * cols + j] * k[j * d + t];
      ASSERT_EQ(o[static_cast<std::size_t>(i * d + t)], acc);
    }
  }
}

TEST(KernelsHls, ConcatJoinsHeadsInOrder) {
  // Two heads of d = 4, two rows, PE = 2: out row = head0 row, head1 row.
  const std::vector<std::int32_t> h0{1, 2, 3, 4, 5, 6, 7, 8}, h1{11, 12, 13, 14, 15, 16, 17, 18};
  std::vector<std::int32_t> out(16);
  hls::ConstArrayStream<std::int32_t, 2> heads[2] = {{h0.data()}, {h1.data()}};
  hls::ArrayStream<std::int32_t, 2> os{out.data()};
  hls::concat<2>(heads, 2, os, 2, 4);
  EXPECT_EQ(out,
            (std::vector<std::int32_t>{1, 2, 3, 4, 11, 12, 13, 14, 5, 6, 7, 8, 15, 16, 17, 18}));
}

}  // namespace
