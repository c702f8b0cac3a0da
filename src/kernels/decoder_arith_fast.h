// Helpers of the decoder kernels' CPU fast paths (w8a8.cpp, rmsnorm.cpp, swiglu.cpp,
// decoder_attention.cpp): branch-free 64-bit forms of the definitions' steps that a compiler
// vectorises, each exact under a condition the caller checks. Not HLS code: the definitions stay in
// the headers, and every fast path is tested equal to its definition
// (tests/kernels/decoder_kernels_test.cpp, "FastPath").
#pragma once

#include <cstdint>

#include "core/dyadic.h"
#include "kernels/decoder_arith.h"
#include "kernels/softmax.h"

namespace atl::kernels {

// round_half_even(v) for |v| < 2^51 in the default rounding mode: adding 1.5 * 2^52 leaves no
// fraction bits, so the addition rounds (ties to even) and the subtraction is exact.
[[gnu::always_inline]] inline double round_even(double v) {
  constexpr double kMagic = 6755399441055744.0;  // 1.5 * 2^52
  return (v + kMagic) - kMagic;
}

// rne_shift(p, e) for 1 <= e (e >= 63 rounds like 63, as rne_shift does).
[[gnu::always_inline]] constexpr std::int64_t rne_shift_right(std::int64_t p, int e) {
  return core::shift_round_half_even_i64(p, e > 63 ? 63 : e);
}

// div_rne(a, d) for d >= 1, |a| < 2^53 and |a / d| < 2^50, without an integer division: the double
// quotient (a and d are exact doubles; the division's error is below |a / d| 2^-53 < 1/8) rounded
// to nearest is within 1 of the exact result, then corrected in integers so that the remainder
// r = a - q d has |r| <= d / 2, and a tie (2 r = +-d) goes to the even quotient.
[[gnu::always_inline]] inline std::int64_t div_rne_by_double(std::int64_t a, std::int64_t d) {
  std::int64_t q =
      static_cast<std::int64_t>(round_even(static_cast<double>(a) / static_cast<double>(d)));
  std::int64_t r = a - q * d;
  const std::int64_t step =
      static_cast<std::int64_t>(2 * r > d) - static_cast<std::int64_t>(2 * r < -d);
  q += step;
  r -= step * d;
  const std::int64_t odd = q & 1;
  return q + (odd & static_cast<std::int64_t>(2 * r == d)) -
         (odd & static_cast<std::int64_t>(2 * r == -d));
}

// softmax_exp (the i-exp, kernels/hls/softmax.h) in int64 with the quotient x / x0 in double, for
// constants that pass i_exp_fits_int64. Exact because:
//   - poly = (r + b) r + c with x0 < r <= 0 is bounded by (|x0| + |b|) |x0| + |c| < 2^pbits, and
//     pbits + n <= 62, so poly and poly << (n - q) fit int64 where the definition's 128-bit value
//     neither saturates nor exceeds 63 bits;
//   - x = max(d, n x0) has |x| <= n |x0| < 2^30 and the quotient x / x0 lies in [0, n]: an inexact
//     quotient is at least 1 / |x0| > 2^-24 from an integer, the double error is below 2^-47, so
//     truncation gives the integer quotient (the argument of softmax.cpp's 64-bit path).

// pbits: the bits of (|x0| + |b|) |x0| + |c|, for |x0|, |b| < 2^24 and |c| < 2^48 (else 64).
inline int i_exp_bits(const SoftmaxParams& p) {
  constexpr std::int64_t k24 = std::int64_t{1} << 24;
  if (p.x0 <= -k24 || p.x0 >= k24 || p.b <= -k24 || p.b >= k24 || p.c <= -(std::int64_t{1} << 48) ||
      p.c >= (std::int64_t{1} << 48)) {
    return 64;
  }
  const std::int64_t ax0 = p.x0 < 0 ? -p.x0 : p.x0;
  return bit_width64((ax0 + (p.b < 0 ? -p.b : p.b)) * ax0 + (p.c < 0 ? -p.c : p.c));
}

inline bool i_exp_fits_int64(const SoftmaxParams& p) {
  return p.x0 < 0 && p.n >= 0 && p.n <= 62 && i_exp_bits(p) + p.n <= 62;
}

// The i-exp of d <= 0 (any int64).
[[gnu::always_inline]] inline std::int64_t i_exp(std::int64_t d, const SoftmaxParams& k) {
  const std::int64_t floor_x = static_cast<std::int64_t>(k.n) * k.x0;
  const std::int64_t x = d > floor_x ? d : floor_x;
  const auto q = static_cast<std::int64_t>(static_cast<double>(x) / static_cast<double>(k.x0));
  const std::int64_t r = x - k.x0 * q;
  const std::int64_t poly = (r + k.b) * r + k.c;
  return (poly > 0 ? poly : 0) << (k.n - q);
}

}  // namespace atl::kernels
