// 64-bit integer helpers of the decoder kernels (HLS-safe: fixed widths, no __int128, no heap, no
// exceptions). Every product the decoder kernels form is bounded below 2^62 by their callers (each
// kernel states its bound), so one 64-bit rounding helper serves them all.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

#include "core/dyadic.h"

namespace atl::kernels {

// p / 2^e rounded to nearest, ties to even (core::shift_round_half_even_i64), for |p| < 2^62 and
// any e: e >= 63 rounds to 0 like e = 63 does; e <= 0 is an exact left shift saturated to int64.
constexpr std::int64_t rne_shift(std::int64_t p, int e) {
  if (e >= 1) return core::shift_round_half_even_i64(p, e > 63 ? 63 : e);
  const int s = -e;
  if (p == 0) return 0;
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  if (s >= 63 || p > (kMax >> s)) return p > 0 ? kMax : -kMax;
  if (p < -(kMax >> s)) return -kMax;
  return p * (std::int64_t{1} << s);
}

// n / d rounded to nearest, ties to even, for d > 0 and |n| < 2^62.
constexpr std::int64_t div_rne(std::int64_t n, std::int64_t d) {
  std::int64_t q = n / d;
  std::int64_t r = n % d;
  if (r < 0) {  // floor division
    r += d;
    q -= 1;
  }
  const std::int64_t twice = 2 * r;
  if (twice > d || (twice == d && (q & 1) != 0)) q += 1;
  return q;
}

constexpr std::int32_t saturate_int32(std::int64_t v) {
  return static_cast<std::int32_t>(v > std::numeric_limits<std::int32_t>::max()
                                       ? std::numeric_limits<std::int32_t>::max()
                                       : (v < std::numeric_limits<std::int32_t>::min()
                                              ? std::numeric_limits<std::int32_t>::min()
                                              : v));
}

// Number of significant bits of v >= 0 (0 for 0): a leading-zero count in hardware.
constexpr int bit_width64(std::int64_t v) {
  return static_cast<int>(std::bit_width(static_cast<std::uint64_t>(v)));
}

// A real factor m / 2^e with a short mantissa, |m| <= 2^kMultiplierBits (model::multiplier gives
// 2^15 <= |m| <= 2^16), so that m times an int32 value and a 15-bit token scale stays below 2^62.
inline constexpr int kMultiplierBits = 16;
struct Multiplier {
  std::int32_t m = 0;
  std::int32_t e = 0;
};

// round_half_even(x * m / 2^e) saturated to int32, for |x| < 2^45.
constexpr std::int32_t apply(Multiplier mul, std::int64_t x) {
  return saturate_int32(rne_shift(x * mul.m, mul.e));
}

}  // namespace atl::kernels
