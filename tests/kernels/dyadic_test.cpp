#include "core/dyadic.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

// The 64-bit-limb arithmetic of core/dyadic.h against an independent 128-bit oracle (the
// project's former __int128 definition, kept here as the reference): exhaustive over small
// ranges, random over the whole int64 range, and on the edges.

namespace {

using i128 = __int128;
using atl::core::requantize;
using atl::core::saturate_bits;
using atl::core::shift_round_half_even_i64;
using atl::core::Wide;

constexpr i128 kI128Max = static_cast<i128>((~static_cast<unsigned __int128>(0)) >> 1);
constexpr i128 kI128Min = -kI128Max - 1;
constexpr std::int64_t kMax = atl::core::kInt64Max;
constexpr std::int64_t kMin = atl::core::kInt64Min;

Wide to_wide(i128 v) {
  const auto u = static_cast<unsigned __int128>(v);
  return {static_cast<std::int64_t>(static_cast<std::uint64_t>(u >> 64)),
          static_cast<std::uint64_t>(u)};
}

i128 from_wide(const Wide& w) {
  return static_cast<i128>(
      (static_cast<unsigned __int128>(static_cast<std::uint64_t>(w.hi)) << 64) | w.lo);
}

// core::shift_round_half_even on an int128 value (e >= 1).
i128 rounded(i128 p, int e) {
  return from_wide(atl::core::shift_round_half_even(to_wide(p), e));
}

// Independent reference: floor division, then round to nearest on the exact remainder, an exact
// half to the even neighbour.
i128 ref_round(i128 p, int e) {
  if (e >= 128) return 0;  // |p / 2^e| <= 1/2, the one tie going to 0
  if (e == 127) {          // p / 2^127 in [-1, 1): 2^127 does not fit int128
    const i128 quarter = static_cast<i128>(1) << 126;  // one half of 2^127
    if (p == kI128Min) return -1;
    return p > quarter ? 1 : (p < -quarter ? -1 : 0);
  }
  const i128 d = static_cast<i128>(1) << e;
  i128 q = p / d;
  i128 r = p % d;
  if (r < 0) {
    q -= 1;
    r += d;
  }
  if (2 * r > d) return q + 1;
  if (2 * r == d) return q + (q % 2 != 0 ? 1 : 0);
  return q;
}

// The former 128-bit definition of requantize: exact product, rounding shift (or left shift
// saturated to int128), saturation to `bits`.
std::int64_t oracle_requantize(std::int64_t x, std::int64_t m, int e, int bits) {
  const i128 p = static_cast<i128>(x) * m;
  i128 v = 0;
  if (e <= 0) {
    const int s = -e;
    if (p != 0) {
      const i128 limit = s >= 127 ? 0 : kI128Max >> s;
      if (s >= 127 || p > limit || p < -limit - 1) {
        v = p > 0 ? kI128Max : kI128Min;
      } else {
        v = static_cast<i128>(static_cast<unsigned __int128>(p) << s);
      }
    }
  } else {
    v = ref_round(p, e);
  }
  const i128 hi = (static_cast<i128>(1) << (bits - 1)) - 1;
  return static_cast<std::int64_t>(v > hi ? hi : (v < -hi - 1 ? -hi - 1 : v));
}

TEST(Dyadic, TiesRoundToEvenForBothSigns) {
  EXPECT_EQ(rounded(1, 1), 0);     // 0.5 -> 0
  EXPECT_EQ(rounded(-1, 1), 0);    // -0.5 -> 0
  EXPECT_EQ(rounded(3, 1), 2);     // 1.5 -> 2
  EXPECT_EQ(rounded(-3, 1), -2);   // -1.5 -> -2
  EXPECT_EQ(rounded(10, 2), 2);    // 2.5 -> 2
  EXPECT_EQ(rounded(-10, 2), -2);  // -2.5 -> -2
  EXPECT_EQ(rounded(14, 2), 4);    // 3.5 -> 4
  EXPECT_EQ(rounded(-14, 2), -4);  // -3.5 -> -4
  // A tie at an I-BERT-sized shift: (2 * 2^40 + 2^39) / 2^40 = 2.5 -> 2, 3.5 -> 4.
  const i128 two40 = static_cast<i128>(1) << 40;
  EXPECT_EQ(rounded(2 * two40 + two40 / 2, 40), 2);
  EXPECT_EQ(rounded(3 * two40 + two40 / 2, 40), 4);
  EXPECT_EQ(rounded(-(2 * two40 + two40 / 2), 40), -2);
  EXPECT_EQ(rounded(-(3 * two40 + two40 / 2), 40), -4);
  // One above / below the tie rounds to nearest.
  EXPECT_EQ(rounded(2 * two40 + two40 / 2 + 1, 40), 3);
  EXPECT_EQ(rounded(3 * two40 + two40 / 2 - 1, 40), 3);
}

TEST(Dyadic, NonTiesRoundToNearest) {
  EXPECT_EQ(rounded(5, 2), 1);    // 1.25
  EXPECT_EQ(rounded(7, 2), 2);    // 1.75
  EXPECT_EQ(rounded(-5, 2), -1);  // -1.25
  EXPECT_EQ(rounded(-7, 2), -2);  // -1.75
  EXPECT_EQ(rounded(0, 40), 0);
}

TEST(Dyadic, ZeroAndNegativeShiftAreExact) {
  EXPECT_EQ(requantize(-7, 1, 0), -7);
  EXPECT_EQ(requantize(-7, 1, -3), -56);
  EXPECT_EQ(requantize(5, 1, -60), std::int64_t{5} << 60);
  // Left shifts that leave the destination range saturate.
  EXPECT_EQ(requantize(1, 1, -63), kMax);
  EXPECT_EQ(requantize(-1, 1, -63), kMin);  // exactly -2^63
  EXPECT_EQ(requantize(-1, 1, -127), kMin);
  EXPECT_EQ(requantize(3, 1, -126), kMax);
  EXPECT_EQ(requantize(kMax, kMax, -1), kMax);  // the product leaves 64 bits before the shift
  EXPECT_EQ(requantize(3, 5, -2, 8), 60);
  EXPECT_EQ(requantize(3, 5, -3, 8), 120);
  EXPECT_EQ(requantize(-4, 4, -3, 8), -128);
  EXPECT_EQ(requantize(-4, 5, -3, 8), -128);
  EXPECT_EQ(requantize(4, 4, -3, 8), 127);
}

TEST(Dyadic, LargeShiftsGoToZero) {
  EXPECT_EQ(rounded(kI128Max, 127), 1);  // just below 1
  EXPECT_EQ(rounded(kI128Max, 128), 0);
  EXPECT_EQ(rounded(kI128Min, 128), 0);  // exactly -1/2 -> 0 (even)
  EXPECT_EQ(rounded(-5, 500), 0);
  EXPECT_EQ(rounded(kI128Min, 127), -1);          // exactly -1
  EXPECT_EQ(rounded(kI128Min / 2, 127), 0);       // exactly -1/2 -> 0
  EXPECT_EQ(rounded(kI128Min / 4 * 3, 127), -1);  // -3/4
}

TEST(Dyadic, MatchesReferenceOnRandomValues) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const auto x = static_cast<std::int64_t>(rng());
    const auto m = static_cast<std::int32_t>(rng());
    const int e = static_cast<int>(rng() % 96) + 1;
    const i128 p = static_cast<i128>(x) * m;
    ASSERT_EQ(rounded(p, e), ref_round(p, e)) << x << " " << m << " " << e;
    ASSERT_EQ(requantize(x, m, e), oracle_requantize(x, m, e, 64)) << x << " " << m << " " << e;
  }
}

TEST(Dyadic, WideArithmeticEqualsInt128) {
  std::mt19937_64 rng(3);
  const std::int64_t edges[] = {0,
                                1,
                                -1,
                                2,
                                -2,
                                kMax,
                                kMin,
                                kMax - 1,
                                kMin + 1,
                                std::int64_t{1} << 31,
                                -(std::int64_t{1} << 31),
                                std::int64_t{1} << 62,
                                -(std::int64_t{1} << 62),
                                0xffffffff};
  auto check = [](std::int64_t a, std::int64_t b, std::int64_t c) {
    const Wide ab = atl::core::multiply(a, b);
    ASSERT_EQ(from_wide(ab), static_cast<i128>(a) * b) << a << " " << b;
    const i128 abc = static_cast<i128>(static_cast<unsigned __int128>(static_cast<i128>(a) + b) *
                                       static_cast<unsigned __int128>(static_cast<i128>(c)));
    ASSERT_EQ(
        from_wide(atl::core::multiply(atl::core::add(atl::core::wide(a), atl::core::wide(b)), c)),
        abc)
        << a << " " << b << " " << c;
    ASSERT_EQ(from_wide(atl::core::negate(ab)), -(static_cast<i128>(a) * b));
    for (int s : {0, 1, 31, 63, 64, 65, 100, 127}) {
      ASSERT_EQ(from_wide(atl::core::shift_right(ab, s)), (static_cast<i128>(a) * b) >> s)
          << a << " " << b << " " << s;
    }
    ASSERT_EQ(atl::core::add_saturating(a, b),
              static_cast<std::int64_t>(std::clamp<i128>(static_cast<i128>(a) + b, kMin, kMax)));
  };
  for (std::int64_t a : edges) {
    for (std::int64_t b : edges) {
      for (std::int64_t c : edges) check(a, b, c);
    }
  }
  for (int i = 0; i < 200000; ++i) {
    check(static_cast<std::int64_t>(rng()), static_cast<std::int64_t>(rng()),
          static_cast<std::int64_t>(rng()) >> (rng() % 64));
  }
}

TEST(Dyadic, RequantizeEqualsOracleExhaustivelyOnSmallRanges) {
  // Every x, m in -64..64, every shift -8..16 (ties, left shifts, saturation at small widths).
  for (int bits : {2, 3, 8, 64}) {
    for (std::int64_t x = -64; x <= 64; ++x) {
      for (std::int64_t m = -64; m <= 64; ++m) {
        for (int e = -8; e <= 16; ++e) {
          ASSERT_EQ(requantize(x, m, e, bits), oracle_requantize(x, m, e, bits))
              << x << " " << m << " " << e << " " << bits;
        }
      }
    }
  }
}

TEST(Dyadic, RequantizeEqualsOracleOnRandomAndEdgeValues) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 400000; ++i) {
    const auto x = static_cast<std::int64_t>(rng()) >> (rng() % 64);
    const auto m = static_cast<std::int64_t>(rng()) >> (rng() % 64);
    const int e = static_cast<int>(rng() % 331) - 130;  // -130..200
    const int bits = static_cast<int>(rng() % 63) + 2;
    ASSERT_EQ(requantize(x, m, e, bits), oracle_requantize(x, m, e, bits))
        << x << " " << m << " " << e << " " << bits;
  }
  const std::int64_t edges[] = {0,
                                1,
                                -1,
                                3,
                                -3,
                                kMax,
                                kMin,
                                kMax - 1,
                                kMin + 1,
                                (std::int64_t{1} << 31) - 1,
                                -(std::int64_t{1} << 31),
                                std::int64_t{1} << 62,
                                -(std::int64_t{1} << 62),
                                1737565501};
  for (std::int64_t x : edges) {
    for (std::int64_t m : edges) {
      for (int e = -130; e <= 200; ++e) {
        for (int bits : {2, 8, 16, 32, 63, 64}) {
          ASSERT_EQ(requantize(x, m, e, bits), oracle_requantize(x, m, e, bits))
              << x << " " << m << " " << e << " " << bits;
        }
      }
    }
  }
  // Exact ties at every shift, both signs, and their neighbours.
  for (int e = 1; e <= 126; ++e) {
    for (i128 q : {i128{0}, i128{1}, i128{2}, i128{-1}, i128{-2}, i128{12345}}) {
      const i128 half = static_cast<i128>(1) << (e - 1);
      for (i128 d : {i128{-1}, i128{0}, i128{1}}) {
        const i128 p = q * 2 * half + half + d;
        if ((e > 100 && q != 0 && q != 1 && q != -1) || (e > 125 && q != 0)) continue;
        ASSERT_EQ(rounded(p, e), ref_round(p, e)) << e;
        ASSERT_EQ(rounded(-p, e), ref_round(-p, e)) << e;
      }
    }
  }
}

TEST(Dyadic, SixtyFourBitFormEqualsDefinition) {
  // Within its precondition (|p| < 2^62, 1 <= e <= 62; e = 63 for |p| < 2^61), on random values
  // and on exact ties, their neighbours, both signs and the extremes.
  std::mt19937_64 rng(11);
  const std::int64_t lim = (std::int64_t{1} << 62) - 1;
  int ties = 0;
  for (int i = 0; i < 200000; ++i) {
    const int e = static_cast<int>(rng() % 62) + 1;
    std::int64_t p =
        static_cast<std::int64_t>(rng() % (2 * static_cast<std::uint64_t>(lim) + 1)) - lim;
    if (i % 2 == 0) {  // an exact tie: an integer part q and a remainder of exactly one half
      const std::int64_t qmax = lim >> e;
      const std::int64_t q = qmax == 0 ? 0 : static_cast<std::int64_t>(rng() % (2 * qmax)) - qmax;
      p = q * (std::int64_t{1} << e) + (std::int64_t{1} << (e - 1)) + (i % 8 == 0 ? 1 : 0) -
          (i % 8 == 4 ? 1 : 0);
      ties += i % 8 == 2 || i % 8 == 6;
    }
    ASSERT_EQ(shift_round_half_even_i64(p, e), rounded(p, e)) << p << " " << e;
  }
  EXPECT_EQ(ties, 50000);
  for (int e = 1; e <= 62; ++e) {
    for (std::int64_t p :
         {lim, -lim, lim - 1, -lim + 1, std::int64_t{0}, std::int64_t{1}, std::int64_t{-1},
          std::int64_t{1} << (e - 1), -(std::int64_t{1} << (e - 1)),
          3 * (std::int64_t{1} << (e - 1)), -3 * (std::int64_t{1} << (e - 1))}) {
      if (p > lim || p < -lim) continue;  // outside the precondition (e = 62)
      ASSERT_EQ(shift_round_half_even_i64(p, e), rounded(p, e)) << p << " " << e;
    }
  }
  const std::int64_t lim61 = (std::int64_t{1} << 61) - 1;
  for (std::int64_t p : {lim61, -lim61, std::int64_t{5}, std::int64_t{-5}}) {
    EXPECT_EQ(shift_round_half_even_i64(p, 63), 0);
  }
}

TEST(Dyadic, RequantizeSaturates) {
  // 1000 * 2^30 / 2^30 = 1000 -> saturates to int8.
  EXPECT_EQ(requantize(1000, 1 << 30, 30, 8), 127);
  EXPECT_EQ(requantize(-1000, 1 << 30, 30, 8), -128);
  EXPECT_EQ(requantize(-1000, 1 << 30, 30, 16), -1000);
  EXPECT_EQ(saturate_bits(40000, 16), 32767);
  EXPECT_EQ(saturate_bits(-40000, 16), -32768);
  // A golden value: act_q layer 0, x = -10697, m = 1737565501, e = 41 -> -8.
  EXPECT_EQ(requantize(-10697, 1737565501, 41, 8), -8);
}

}  // namespace
