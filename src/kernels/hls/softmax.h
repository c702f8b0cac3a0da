// Integer softmax (I-BERT i-exp), the HLS-safe definition (docs/kernels.md; kernels/softmax.h
// has the formulas). The polynomial (r + b) r + c is formed in a core::Wide, then shifted left
// by n - q and saturated to int64, so any int64 b and c are exact.
#pragma once

#include <cstdint>

#include "core/dyadic.h"
#include "kernels/hls/stream.h"

namespace atl {
namespace kernels {
namespace hls {

// A masked score (the hardware's "-inf"): INT32_MIN.
constexpr std::int32_t kMaskedScore = -2147483647 - 1;

struct SoftmaxConsts {
  std::int64_t x0;  // < 0
  std::int64_t b, c;
  int n;  // "const", 0..62
  std::int64_t m;
  int e;
};

// i-exp of one difference d = s - max (d <= 0, or kMaskedScore).
constexpr std::int64_t softmax_exp(std::int64_t d, const SoftmaxConsts& k) {
  const std::int64_t floor_x = static_cast<std::int64_t>(k.n) * k.x0;
  const std::int64_t x = d > floor_x ? d : floor_x;
  const std::int64_t q = x / k.x0;  // truncation; x <= 0 and x0 < 0 give 0 <= q <= n
  const std::int64_t r = x - k.x0 * q;
  const core::Wide poly =
      core::add(core::multiply(core::add(core::wide(r), core::wide(k.b)), r), core::wide(k.c));
  if (poly.hi < 0 || poly == core::Wide{}) return 0;
  return core::shift_left_saturating(poly, static_cast<int>(k.n - q));
}

// The 16-bit QuantAct of exp for score s of a row whose maximum is max.
constexpr std::int64_t softmax_e16(std::int32_t s, std::int32_t max, const SoftmaxConsts& k) {
  const std::int64_t d = s == kMaskedScore ? std::int64_t{kMaskedScore} : std::int64_t{s} - max;
  return core::requantize(softmax_exp(d, k), k.m, k.e, 16);
}

// The probability of e16 in a row whose e16 sum is `sum`: min(255, (e16 << 8) / sum), 0 when
// sum <= 0.
constexpr std::uint8_t softmax_probability(std::int64_t e16, std::int64_t sum) {
  if (sum <= 0) return 0;
  const std::int64_t v = (e16 * 256) / sum;
  return static_cast<std::uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// rows x n scores (int32) to probabilities (uint8); a row buffer buf [n] the caller owns.
template <int PE, class In, class Out>
void softmax(In& in, Out& out, int rows, int n, const SoftmaxConsts& k, std::int32_t* buf) {
  for (int r = 0; r < rows; ++r) {
    std::int32_t max = kMaskedScore;
    for (int j = 0; j < n; j += PE) {
      ATL_HLS(HLS PIPELINE II = 1)
      const auto s = in.read();
      for (int p = 0; p < PE; ++p) {
        buf[j + p] = s.v[p];
        max = s.v[p] > max ? s.v[p] : max;
      }
    }
    std::int64_t sum = 0;
    for (int j = 0; j < n; ++j) {
      ATL_HLS(HLS PIPELINE II = 1)
      buf[j] = static_cast<std::int32_t>(softmax_e16(buf[j], max, k));  // 16 bits
      sum += buf[j];
    }
    for (int j = 0; j < n; j += PE) {
      ATL_HLS(HLS PIPELINE II = 1)
      typename Out::value_type y;
      for (int p = 0; p < PE; ++p) y.v[p] = softmax_probability(buf[j + p], sum);
      out.write(y);
    }
  }
}

}  // namespace hls
}  // namespace kernels
}  // namespace atl
