// Integer RMSNorm (Llama) and LayerNorm (GPT-2) of one token row, int32 fixed point in and out
// (value = x / 2^F). LayerNorm is RMSNorm of the mean-centred row plus a bias, so both share one
// definition:
//   d[c]  = x[c] - center            center = 0 (RMSNorm) or layernorm_mean(sum x, n) (LayerNorm:
//                                    the I-BERT mean, rounded half to even)
//   sh    = bit_width(max |d|) - 16  (may be negative: a left shift) so the row keeps 16 bits
//   t[c]  = round_half_even(d[c] / 2^sh)                   |t| <= 2^16
//   ms    = floor(sum_c t[c]^2 / n) + eps_t                 eps_t = eps * 2^(2F) / 2^(2 sh)
//   r     = isqrt_exact(ms)                                 floor(sqrt), I-BERT's I-SQRT
//   z[c]  = round_half_even(t[c] * floor(2^46 / r) / 2^(46 - F))   d / rms in fixed point
//   y[c]  = saturate_int32(round_half_even(z[c] * g[c] / 2^G) + bias[c])
// with the gain g = round(gamma * 2^G) and the bias in the output's fixed point. eps_t is
// eps_q >> 2 sh (eps_q = round(eps * 2^(2F)), floor) or eps_q << -2 sh, saturated at 2^62.
// Bounds: sum t^2 <= n 2^32; r >= 2^15 / sqrt(n) (ms >= max t^2 / n), so t * floor(2^46 / r)
// <= 2^47 sqrt(n) < 2^62 and |z| <= 2^F sqrt(n); z * g < 2^62 for |g| < 2^(62 - F) / sqrt(n).
// I-BERT's LayerNorm (kernels/layernorm.h) takes a fixed shift and no eps; a decoder's rows span
// many magnitudes, so the shift here follows the row (docs/decoders.md, "Integer semantics").
#pragma once

#include <cstdint>

#include "kernels/decoder_arith.h"
#include "kernels/layernorm.h"

namespace atl::kernels {

struct NormParams {
  const std::int32_t* gain = nullptr;  // [n], Q gain_bits
  const std::int32_t* bias = nullptr;  // [n] in the output fixed point, or nullptr
  int gain_bits = 0;
  int frac_bits = 0;       // F
  std::int64_t eps_q = 0;  // round(eps * 2^(2F))
  bool center = false;     // LayerNorm
};

// floor(2^46 / r) of a row: r = isqrt_exact(floor(ss / n) + eps_t) from the sum of squares ss
// of the t[c] and the row's shift sh.
inline std::int64_t norm_inverse(std::int64_t ss, std::int64_t n, int sh, std::int64_t eps_q) {
  constexpr std::int64_t kCap = std::int64_t{1} << 62;
  std::int64_t eps_t = 0;
  if (sh >= 0) {
    eps_t = 2 * sh >= 63 ? 0 : eps_q >> (2 * sh);
  } else {
    eps_t = (-2 * sh >= 62 || eps_q > (kCap >> (-2 * sh))) ? kCap : eps_q << (-2 * sh);
  }
  const std::int64_t ms = ss / n;
  const std::uint64_t r =
      isqrt_exact(static_cast<std::uint64_t>(ms > kCap - eps_t ? kCap : ms + eps_t));
  return (std::int64_t{1} << 46) / static_cast<std::int64_t>(r == 0 ? 1 : r);
}

// x [n] -> y [n] (n < 2^30).
inline void norm_row(const std::int32_t* x, std::int64_t n, const NormParams& p, std::int32_t* y) {
  if (n <= 0) return;
  std::int64_t center = 0;
  if (p.center) {
    std::int64_t sum = 0;
    for (std::int64_t c = 0; c < n; ++c) sum += x[c];
    center = layernorm_mean(sum, n);
  }
  std::int64_t dmax = 0;
  for (std::int64_t c = 0; c < n; ++c) {
    const std::int64_t d = x[c] - center;
    dmax = (d < 0 ? -d : d) > dmax ? (d < 0 ? -d : d) : dmax;
  }
  if (dmax == 0) {
    for (std::int64_t c = 0; c < n; ++c) y[c] = saturate_int32(p.bias != nullptr ? p.bias[c] : 0);
    return;
  }
  const int sh = bit_width64(dmax) - 16;
  std::int64_t ss = 0;
  for (std::int64_t c = 0; c < n; ++c) {
    const std::int64_t t = rne_shift(x[c] - center, sh);
    ss += t * t;
  }
  const std::int64_t inv = norm_inverse(ss, n, sh, p.eps_q);
  for (std::int64_t c = 0; c < n; ++c) {
    const std::int64_t t = rne_shift(x[c] - center, sh);
    const std::int64_t z = rne_shift(t * inv, 46 - p.frac_bits);
    const std::int64_t v = rne_shift(z * p.gain[c], p.gain_bits);
    y[c] = saturate_int32(v + (p.bias != nullptr ? p.bias[c] : 0));
  }
}

// The CPU fast path (rmsnorm.cpp): the same steps vectorised, for 1 <= 46 - frac_bits and
// 1 <= gain_bits (else the definition); tested equal to norm_row.
void norm_row_fast(const std::int32_t* x, std::int64_t n, const NormParams& p, std::int32_t* y);

}  // namespace atl::kernels
