// Exact dyadic requantisation and saturation, the arithmetic core of every I-BERT kernel.
//
// A dyadic multiplier (m, e) stands for the real factor m / 2^e. Requantising an integer x gives
// x*m / 2^e rounded to the nearest integer, ties to even ("round half to even", RNE), for both
// signs: 0.5 -> 0, 1.5 -> 2, 2.5 -> 2, -0.5 -> 0, -1.5 -> -2, -2.5 -> -2.
//
// Why ties to even: it is what the I-BERT model does. Its requantiser (FixedPointMul, see
// ibert-reference.md §2.4 step 6) computes torch.round(z*m / 2^e), and torch.round rounds ties to
// even. The reference forms z*m in float64, which is exact while |z*m| <= 2^53 (|z| <= 2^22 for
// |m| < 2^31); above that it rounds the product first, an artefact of float arithmetic, so the
// exact product rounded to even is the faithful integer definition. The golden data cannot decide
// the tie rule: none of the 18.9 million requantised values of the model's 12 layers is an exact
// tie. The seed hardware rounds ties up instead, (p >> e) + bit(e-1) of p; the two differ only on
// exact ties (docs/kernels.md).
//
// Products are formed in 128 bits, so any int64 x times any int64 m is exact. Results that do not
// fit the destination saturate, as the reference's QuantAct clamps (the HLS code wraps instead;
// no golden value comes near a limit).
#pragma once

#include <cstdint>
#include <limits>

namespace atl::core {

using i128 = __int128;

inline constexpr i128 kI128Max = static_cast<i128>((~static_cast<unsigned __int128>(0)) >> 1);
inline constexpr i128 kI128Min = -kI128Max - 1;

// p / 2^e rounded to nearest, ties to even. e <= 0 is an exact left shift, saturated to the
// int128 range. Exact for every p and e.
constexpr i128 shift_round_half_even(i128 p, int e) {
  if (e <= 0) {
    const int s = -e;
    if (p == 0) return 0;
    if (s >= 127) return p > 0 ? kI128Max : kI128Min;
    const i128 limit = kI128Max >> s;
    if (p > limit) return kI128Max;
    if (p < -limit - 1) return kI128Min;
    return static_cast<i128>(static_cast<unsigned __int128>(p) << s);
  }
  // |p| <= 2^127 <= 2^(e-1) for e >= 128: the value lies in [-1/2, 1/2) and rounds to 0 (the
  // one tie, p = -2^127 with e = 128, is -1/2, whose even neighbour is 0).
  if (e >= 128) return 0;
  const i128 q = p >> e;  // floor (arithmetic shift for signed __int128 in GCC/Clang)
  const auto one = static_cast<unsigned __int128>(1);
  const unsigned __int128 rem = static_cast<unsigned __int128>(p) & ((one << e) - 1);  // p - q*2^e
  const unsigned __int128 half = one << (e - 1);
  return q + ((rem > half || (rem == half && (q & 1) != 0)) ? 1 : 0);
}

// The same in 64 bits for the vectorised fast paths: requires 1 <= e <= 63 and |p| < 2^62.
// t = p >> (e-1) holds the integer part and the half bit; (t + 1) >> 1 rounds half up, and an
// exact tie (half bit set, no bit below it) that came out odd goes back down to the even
// neighbour. No branches, and only shifts GCC vectorises with a per-element e (the equivalent
// (p + 2^(e-1) - 1 + ((p >> e) & 1)) >> e is not: GCC 12 cannot vectorise 1 << e there).
[[gnu::always_inline]] constexpr std::int64_t shift_round_half_even_i64(std::int64_t p,
                                                                        std::int64_t e) {
  const std::int64_t t = p >> (e - 1);
  const std::int64_t up = (t + 1) >> 1;
  const std::int64_t exact =
      static_cast<std::int64_t>(static_cast<std::uint64_t>(t) << (e - 1)) == p;
  return up - (t & exact & up & 1);
}

// Saturates v to the signed range of `bits` bits (2 <= bits <= 64).
constexpr std::int64_t saturate_bits(i128 v, int bits) {
  const i128 hi = (static_cast<i128>(1) << (bits - 1)) - 1;
  const i128 lo = -hi - 1;
  return static_cast<std::int64_t>(v > hi ? hi : (v < lo ? lo : v));
}

// Saturates v to the range of the integer type T.
template <class T>
constexpr T saturate_to(i128 v) {
  constexpr i128 hi = static_cast<i128>(std::numeric_limits<T>::max());
  constexpr i128 lo = static_cast<i128>(std::numeric_limits<T>::min());
  return static_cast<T>(v > hi ? hi : (v < lo ? lo : v));
}

// y = round_half_even(x * m / 2^e), exact, as a 128-bit value (callers saturate to their width).
constexpr i128 requantize_wide(std::int64_t x, std::int64_t m, int e) {
  return shift_round_half_even(static_cast<i128>(x) * static_cast<i128>(m), e);
}

// y = round_half_even(x * m / 2^e) saturated to `bits` signed bits.
constexpr std::int64_t requantize(std::int64_t x, std::int64_t m, int e, int bits = 64) {
  return saturate_bits(requantize_wide(x, m, e), bits);
}

}  // namespace atl::core
