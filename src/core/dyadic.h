// Exact dyadic requantisation and saturation, the arithmetic core of every I-BERT kernel.
//
// A dyadic multiplier (m, e) stands for the real factor m / 2^e. Requantising an integer x gives
//     y = floor(x*m / 2^e) + bit(e-1) of (x*m)        (e >= 1)
// i.e. the product shifted right arithmetically, plus one when the first dropped bit is set: round
// to nearest, ties towards +infinity ("round half up"), for both signs. This is what the
// hardware kernels do (`(p >> e) + p.bit(e-1)`) and it reproduces every golden QuantAct output;
// the golden data contains no exact tie, so the tie rule is taken from the hardware definition
// (see docs/kernels.md). e == 0 is the identity on x*m; e < 0 shifts left.
//
// Products are formed in 128 bits, so any int64 x times any int64 m is exact. Results that do not
// fit the destination saturate (the HLS code wraps instead; no golden value comes near a limit).
#pragma once

#include <cstdint>
#include <limits>

namespace atl::core {

using i128 = __int128;

inline constexpr i128 kI128Max = static_cast<i128>((~static_cast<unsigned __int128>(0)) >> 1);
inline constexpr i128 kI128Min = -kI128Max - 1;

// Round-half-up arithmetic right shift of p by e bits (e may be <= 0: exact left shift, saturated
// to the int128 range). Exact for every p and e.
constexpr i128 shift_round_half_up(i128 p, int e) {
  if (e <= 0) {
    const int s = -e;
    if (p == 0) return 0;
    if (s >= 127) return p > 0 ? kI128Max : kI128Min;
    const i128 limit = kI128Max >> s;
    if (p > limit) return kI128Max;
    if (p < -limit - 1) return kI128Min;
    return static_cast<i128>(static_cast<unsigned __int128>(p) << s);
  }
  // |p| < 2^127 <= 2^(e-1) for e >= 128: the value lies in [-1/2, 1/2) and rounds to 0
  // (p = -2^127 with e = 128 is exactly -1/2, which rounds half up to 0 as well).
  if (e >= 128) return 0;
  const i128 floor_part = p >> e;  // arithmetic shift (floor) for signed __int128 in GCC/Clang
  const i128 half_bit = (p >> (e - 1)) & 1;
  return floor_part + half_bit;
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

// y = round_half_up(x * m / 2^e), exact, as a 128-bit value (callers saturate to their width).
constexpr i128 requantize_wide(std::int64_t x, std::int64_t m, int e) {
  return shift_round_half_up(static_cast<i128>(x) * static_cast<i128>(m), e);
}

// y = round_half_up(x * m / 2^e) saturated to `bits` signed bits.
constexpr std::int64_t requantize(std::int64_t x, std::int64_t m, int e, int bits = 64) {
  return saturate_bits(requantize_wide(x, m, e), bits);
}

}  // namespace atl::core
