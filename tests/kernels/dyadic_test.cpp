#include "core/dyadic.h"

#include <gtest/gtest.h>

#include <random>

namespace {

using atl::core::i128;
using atl::core::requantize;
using atl::core::saturate_bits;
using atl::core::shift_round_half_even;
using atl::core::shift_round_half_even_i64;

// Independent reference: floor division, then round to nearest on the exact remainder, an exact
// half to the even neighbour.
i128 ref_round(i128 p, int e) {
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

TEST(Dyadic, TiesRoundToEvenForBothSigns) {
  EXPECT_EQ(shift_round_half_even(1, 1), 0);     // 0.5 -> 0
  EXPECT_EQ(shift_round_half_even(-1, 1), 0);    // -0.5 -> 0
  EXPECT_EQ(shift_round_half_even(3, 1), 2);     // 1.5 -> 2
  EXPECT_EQ(shift_round_half_even(-3, 1), -2);   // -1.5 -> -2
  EXPECT_EQ(shift_round_half_even(10, 2), 2);    // 2.5 -> 2
  EXPECT_EQ(shift_round_half_even(-10, 2), -2);  // -2.5 -> -2
  EXPECT_EQ(shift_round_half_even(14, 2), 4);    // 3.5 -> 4
  EXPECT_EQ(shift_round_half_even(-14, 2), -4);  // -3.5 -> -4
  // A tie at an I-BERT-sized shift: (2 * 2^40 + 2^39) / 2^40 = 2.5 -> 2, 3.5 -> 4.
  const i128 two40 = static_cast<i128>(1) << 40;
  EXPECT_EQ(shift_round_half_even(2 * two40 + two40 / 2, 40), 2);
  EXPECT_EQ(shift_round_half_even(3 * two40 + two40 / 2, 40), 4);
  EXPECT_EQ(shift_round_half_even(-(2 * two40 + two40 / 2), 40), -2);
  EXPECT_EQ(shift_round_half_even(-(3 * two40 + two40 / 2), 40), -4);
  // One above / below the tie rounds to nearest.
  EXPECT_EQ(shift_round_half_even(2 * two40 + two40 / 2 + 1, 40), 3);
  EXPECT_EQ(shift_round_half_even(3 * two40 + two40 / 2 - 1, 40), 3);
}

TEST(Dyadic, NonTiesRoundToNearest) {
  EXPECT_EQ(shift_round_half_even(5, 2), 1);    // 1.25
  EXPECT_EQ(shift_round_half_even(7, 2), 2);    // 1.75
  EXPECT_EQ(shift_round_half_even(-5, 2), -1);  // -1.25
  EXPECT_EQ(shift_round_half_even(-7, 2), -2);  // -1.75
  EXPECT_EQ(shift_round_half_even(0, 40), 0);
}

TEST(Dyadic, ZeroAndNegativeShiftAreExact) {
  EXPECT_EQ(shift_round_half_even(-7, 0), -7);
  EXPECT_EQ(shift_round_half_even(-7, -3), -56);
  EXPECT_EQ(shift_round_half_even(5, -60), static_cast<i128>(5) << 60);
  // Left shifts that leave the int128 range saturate.
  EXPECT_EQ(shift_round_half_even(1, -127), atl::core::kI128Max);
  EXPECT_EQ(shift_round_half_even(-1, -127), atl::core::kI128Min);
  EXPECT_EQ(shift_round_half_even(3, -126), atl::core::kI128Max);
}

TEST(Dyadic, LargeShiftsGoToZero) {
  EXPECT_EQ(shift_round_half_even(atl::core::kI128Max, 127), 1);  // just below 1
  EXPECT_EQ(shift_round_half_even(atl::core::kI128Max, 128), 0);
  EXPECT_EQ(shift_round_half_even(atl::core::kI128Min, 128), 0);  // exactly -1/2 -> 0 (even)
  EXPECT_EQ(shift_round_half_even(-5, 500), 0);
  EXPECT_EQ(shift_round_half_even(atl::core::kI128Min, 127), -1);          // exactly -1
  EXPECT_EQ(shift_round_half_even(atl::core::kI128Min / 2, 127), 0);       // exactly -1/2 -> 0
  EXPECT_EQ(shift_round_half_even(atl::core::kI128Min / 4 * 3, 127), -1);  // -3/4
}

TEST(Dyadic, MatchesReferenceOnRandomValues) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const auto x = static_cast<std::int64_t>(rng());
    const auto m = static_cast<std::int32_t>(rng());
    const int e = static_cast<int>(rng() % 96) + 1;
    const i128 p = static_cast<i128>(x) * m;
    ASSERT_EQ(shift_round_half_even(p, e), ref_round(p, e)) << x << " " << m << " " << e;
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
    ASSERT_EQ(shift_round_half_even_i64(p, e), shift_round_half_even(p, e)) << p << " " << e;
  }
  EXPECT_EQ(ties, 50000);
  for (int e = 1; e <= 62; ++e) {
    for (std::int64_t p :
         {lim, -lim, lim - 1, -lim + 1, std::int64_t{0}, std::int64_t{1}, std::int64_t{-1},
          std::int64_t{1} << (e - 1), -(std::int64_t{1} << (e - 1)),
          3 * (std::int64_t{1} << (e - 1)), -3 * (std::int64_t{1} << (e - 1))}) {
      if (p > lim || p < -lim) continue;  // outside the precondition (e = 62)
      ASSERT_EQ(shift_round_half_even_i64(p, e), shift_round_half_even(p, e)) << p << " " << e;
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
