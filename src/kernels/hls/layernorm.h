// Integer LayerNorm (I-BERT), the HLS-safe definition (docs/kernels.md; kernels/layernorm.h has
// the formulas). Every intermediate fits 64 bits: |d| = |x - mean| < 2^32, so (d >> shift)^2 <
// 2^64 (the variance sum saturates at 2^64 - 1, as the 128-bit form it replaces clamped it),
// sd < 2^32 and sd << shift < 2^63, factor <= 2^31 and |d * factor| < 2^63.
#pragma once

#include <cstdint>

#include "core/dyadic.h"
#include "kernels/hls/stream.h"

namespace atl {
namespace kernels {
namespace hls {

// Number of significant bits of v (0 for 0).
constexpr int bit_width(std::uint64_t v) {
  int b = 0;
  for (; v != 0; v >>= 1) ++b;
  return b;
}

// floor(sqrt(v)), exact: I-BERT's I-SQRT (I-BERT paper, Algorithm 4): Newton from
// 2^ceil(bits/2) >= sqrt(v) while the steps decrease (from above it never undershoots). The loop
// bound of 64 only gives HLS a trip count: the steps stop far earlier.
constexpr std::uint64_t isqrt_exact(std::uint64_t v) {
  if (v < 2) return v;
  std::uint64_t x = std::uint64_t{1} << ((bit_width(v) + 1) / 2);
  for (int i = 0; i < 64; ++i) {
    const std::uint64_t y = (x + v / x) >> 1;
    if (y >= x) break;
    x = y;
  }
  return x;
}

// sum / n rounded to nearest, ties to even (n > 0): the LayerNorm mean.
constexpr std::int64_t layernorm_mean(std::int64_t sum, std::int64_t n) {
  std::int64_t q = sum / n;
  std::int64_t r = sum % n;  // truncating: same sign as sum
  if (r < 0) {               // floor division, 0 <= r < n
    --q;
    r += n;
  }
  return q + ((2 * r > n || (2 * r == n && (q & 1) != 0)) ? 1 : 0);
}

// What a row contributes to each of its outputs.
struct LayerNormRow {
  std::int64_t mean;
  std::int64_t factor;
};

// floor(2^31 / (isqrt(var) << shift)), 2^31 when the divisor is 0 (0 <= shift <= 31).
constexpr std::int64_t layernorm_factor(std::uint64_t var, int shift) {
  const auto divisor = static_cast<std::int64_t>(isqrt_exact(var) << shift);
  const std::int64_t two31 = std::int64_t{1} << 31;
  return divisor == 0 ? two31 : two31 / divisor;
}

// The row statistics of x[0..n) (n > 0, 0 <= shift <= 31).
constexpr LayerNormRow layernorm_stats(const std::int32_t* x, int n, int shift) {
  std::int64_t sum = 0;
  for (int c = 0; c < n; ++c) sum += x[c];
  const std::int64_t mean = layernorm_mean(sum, n);
  std::uint64_t var = 0;
  for (int c = 0; c < n; ++c) {
    const std::int64_t y = (x[c] - mean) >> shift;
    const std::uint64_t sq = static_cast<std::uint64_t>(y) * static_cast<std::uint64_t>(y);
    var = var + sq < var ? ~std::uint64_t{0} : var + sq;  // saturating
  }
  return {mean, layernorm_factor(var, shift)};
}

// The value before the bias (golden layernorm/y_int, before saturation).
constexpr std::int64_t layernorm_value(std::int32_t x, const LayerNormRow& row) {
  return ((x - row.mean) * row.factor) >> 1;
}

// The output: y + bias, saturated to int32.
constexpr std::int32_t layernorm_output(std::int64_t y, std::int64_t bias) {
  return core::saturate_int32(core::add_saturating(y, bias));
}

// rows x n int32 values in and out; bias [n] and a row buffer buf [n] the caller owns.
template <int PE, class In, class Out>
void layernorm(In& in, Out& out, int rows, int n, int shift, const std::int64_t* bias,
               std::int32_t* buf) {
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < n; c += PE) {
      ATL_HLS(HLS PIPELINE II = 1)
      const auto x = in.read();
      for (int p = 0; p < PE; ++p) buf[c + p] = x.v[p];
    }
    const LayerNormRow row = layernorm_stats(buf, n, shift);
    for (int c = 0; c < n; c += PE) {
      ATL_HLS(HLS PIPELINE II = 1)
      typename Out::value_type y;
      for (int p = 0; p < PE; ++p) {
        y.v[p] = layernorm_output(layernorm_value(buf[c + p], row), bias[c + p]);
      }
      out.write(y);
    }
  }
}

}  // namespace hls
}  // namespace kernels
}  // namespace atl
