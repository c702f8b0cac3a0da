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
// HLS-safe (docs/kernels.md, "HLS style"): header-only, no 128-bit type, no exceptions, no library
// beyond <cstdint>. The exact product of two int64 values is held in a Wide, two 64-bit limbs of
// a two's-complement 128-bit integer, so any int64 x times any int64 m is exact. Results that do
// not fit the destination saturate, as the reference's QuantAct clamps (the seed's HLS code wraps
// instead; no golden value comes near a limit). tests/kernels/dyadic_test.cpp proves every
// function here equal to a 128-bit oracle: exhaustively over small ranges, on random values and
// on the edges (ties, limits, every shift).
#pragma once

#include <cstdint>

namespace atl {
namespace core {

constexpr std::int64_t kInt64Max = 0x7fffffffffffffff;
constexpr std::int64_t kInt64Min = -kInt64Max - 1;

// hi * 2^64 + lo, two's complement (hi carries the sign).
struct Wide {
  std::int64_t hi = 0;
  std::uint64_t lo = 0;
};

constexpr Wide wide(std::int64_t v) {
  return {v < 0 ? -1 : 0, static_cast<std::uint64_t>(v)};
}

constexpr bool operator==(const Wide& a, const Wide& b) {
  return a.hi == b.hi && a.lo == b.lo;
}

constexpr bool operator<(const Wide& a, const Wide& b) {
  return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}

constexpr Wide add(const Wide& a, const Wide& b) {
  const std::uint64_t lo = a.lo + b.lo;
  const std::uint64_t carry = lo < a.lo ? 1 : 0;
  return {static_cast<std::int64_t>(static_cast<std::uint64_t>(a.hi) +
                                    static_cast<std::uint64_t>(b.hi) + carry),
          lo};
}

constexpr Wide negate(const Wide& a) {
  return add({static_cast<std::int64_t>(~static_cast<std::uint64_t>(a.hi)), ~a.lo}, wide(1));
}

// The unsigned 128-bit product of a and b (from 32-bit halves).
constexpr Wide multiply_unsigned(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t mask = 0xffffffff;
  const std::uint64_t a0 = a & mask, a1 = a >> 32, b0 = b & mask, b1 = b >> 32;
  const std::uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const std::uint64_t mid = (p00 >> 32) + (p01 & mask) + (p10 & mask);  // < 3 * 2^32
  const std::uint64_t lo = (p00 & mask) | (mid << 32);
  const std::uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
  return {static_cast<std::int64_t>(hi), lo};
}

// a * m modulo 2^128 (exact whenever the product fits 128 bits, e.g. for any int64 a).
constexpr Wide multiply(const Wide& a, std::int64_t m) {
  const auto um = static_cast<std::uint64_t>(m);
  Wide u = multiply_unsigned(a.lo, um);
  std::uint64_t hi = static_cast<std::uint64_t>(u.hi) + static_cast<std::uint64_t>(a.hi) * um;
  if (m < 0) hi -= a.lo;  // a.lo * m = a.lo * um - a.lo * 2^64 when m < 0
  return {static_cast<std::int64_t>(hi), u.lo};
}

// x * m, exact.
constexpr Wide multiply(std::int64_t x, std::int64_t m) {
  return multiply(wide(x), m);
}

// floor(a / 2^s) for 0 <= s <= 127 (an arithmetic right shift).
constexpr Wide shift_right(const Wide& a, int s) {
  if (s == 0) return a;
  if (s < 64) {
    return {a.hi >> s, (a.lo >> s) | (static_cast<std::uint64_t>(a.hi) << (64 - s))};
  }
  return {a.hi < 0 ? -1 : 0, static_cast<std::uint64_t>(a.hi >> (s - 64))};
}

constexpr bool fits_int64(const Wide& a) {
  return a.hi == (static_cast<std::int64_t>(a.lo) < 0 ? -1 : 0);
}

// a saturated to the int64 range.
constexpr std::int64_t saturate_int64(const Wide& a) {
  if (fits_int64(a)) return static_cast<std::int64_t>(a.lo);
  return a.hi < 0 ? kInt64Min : kInt64Max;
}

// Saturates v to the signed range of `bits` bits (2 <= bits <= 64).
constexpr std::int64_t saturate_bits(std::int64_t v, int bits) {
  if (bits >= 64) return v;
  const std::int64_t hi = (std::int64_t{1} << (bits - 1)) - 1;
  const std::int64_t lo = -hi - 1;
  return v > hi ? hi : (v < lo ? lo : v);
}

constexpr std::int64_t saturate_bits(const Wide& v, int bits) {
  return saturate_bits(saturate_int64(v), bits);
}

// The int32 range, the width of most kernel outputs.
constexpr std::int32_t saturate_int32(std::int64_t v) {
  return static_cast<std::int32_t>(saturate_bits(v, 32));
}

// a + b saturated to the int64 range.
constexpr std::int64_t add_saturating(std::int64_t a, std::int64_t b) {
  if (b > 0 && a > kInt64Max - b) return kInt64Max;
  if (b < 0 && a < kInt64Min - b) return kInt64Min;
  return a + b;
}

// v * 2^s saturated to the int64 range (s >= 0).
constexpr std::int64_t shift_left_saturating(const Wide& v, int s) {
  if (!fits_int64(v)) return v.hi < 0 ? kInt64Min : kInt64Max;
  const auto x = static_cast<std::int64_t>(v.lo);
  if (x == 0) return 0;
  if (s >= 63) return x < 0 ? kInt64Min : kInt64Max;
  if (x > (kInt64Max >> s)) return kInt64Max;
  if (x < (kInt64Min >> s)) return kInt64Min;
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(x) << s);
}

// p / 2^e rounded to nearest, ties to even, for e >= 1. Exact for every p and e.
constexpr Wide shift_round_half_even(const Wide& p, int e) {
  // |p| <= 2^127 <= 2^(e-1) for e >= 128: the value lies in [-1/2, 1/2) and rounds to 0 (the
  // one tie, p = -2^127 with e = 128, is -1/2, whose even neighbour is 0).
  if (e >= 128) return {};
  const Wide q = shift_right(p, e);  // floor
  // The remainder p - q*2^e = the low e bits of p, against one half = 2^(e-1), limb by limb.
  std::uint64_t rem_hi = 0, rem_lo = 0, half_hi = 0, half_lo = 0;
  if (e <= 64) {
    rem_lo = e == 64 ? p.lo : p.lo & ((std::uint64_t{1} << e) - 1);
    half_lo = std::uint64_t{1} << (e - 1);
  } else {
    rem_hi = static_cast<std::uint64_t>(p.hi) & ((std::uint64_t{1} << (e - 64)) - 1);
    rem_lo = p.lo;
    half_hi = std::uint64_t{1} << (e - 65);
  }
  const bool above = rem_hi > half_hi || (rem_hi == half_hi && rem_lo > half_lo);
  const bool tie = rem_hi == half_hi && rem_lo == half_lo;
  return (above || (tie && (q.lo & 1) != 0)) ? add(q, wide(1)) : q;
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

// y = round_half_even(x * m / 2^e) saturated to `bits` signed bits (2..64); e <= 0 is an exact
// left shift, saturated.
constexpr std::int64_t requantize(std::int64_t x, std::int64_t m, int e, int bits = 64) {
  const Wide p = multiply(x, m);
  if (e <= 0) return saturate_bits(shift_left_saturating(p, -e), bits);
  return saturate_bits(shift_round_half_even(p, e), bits);
}

}  // namespace core
}  // namespace atl
