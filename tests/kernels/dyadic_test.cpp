#include "core/dyadic.h"

#include <gtest/gtest.h>

#include <random>

namespace {

using atl::core::i128;
using atl::core::requantize;
using atl::core::saturate_bits;
using atl::core::shift_round_half_up;

// Independent reference: floor division, then round half up on the exact remainder.
i128 ref_round(i128 p, int e) {
  const i128 d = static_cast<i128>(1) << e;
  i128 q = p / d;
  i128 r = p % d;
  if (r < 0) {
    q -= 1;
    r += d;
  }
  return q + (2 * r >= d ? 1 : 0);
}

TEST(Dyadic, TiesRoundHalfUpForBothSigns) {
  EXPECT_EQ(shift_round_half_up(3, 1), 2);     // 1.5 -> 2
  EXPECT_EQ(shift_round_half_up(-3, 1), -1);   // -1.5 -> -1
  EXPECT_EQ(shift_round_half_up(1, 1), 1);     // 0.5 -> 1
  EXPECT_EQ(shift_round_half_up(-1, 1), 0);    // -0.5 -> 0
  EXPECT_EQ(shift_round_half_up(6, 2), 2);     // 1.5 -> 2
  EXPECT_EQ(shift_round_half_up(-6, 2), -1);   // -1.5 -> -1
  EXPECT_EQ(shift_round_half_up(-10, 2), -2);  // -2.5 -> -2
  EXPECT_EQ(shift_round_half_up(10, 2), 3);    // 2.5 -> 3
}

TEST(Dyadic, NonTiesRoundToNearest) {
  EXPECT_EQ(shift_round_half_up(5, 2), 1);    // 1.25
  EXPECT_EQ(shift_round_half_up(7, 2), 2);    // 1.75
  EXPECT_EQ(shift_round_half_up(-5, 2), -1);  // -1.25
  EXPECT_EQ(shift_round_half_up(-7, 2), -2);  // -1.75
  EXPECT_EQ(shift_round_half_up(0, 40), 0);
}

TEST(Dyadic, ZeroAndNegativeShiftAreExact) {
  EXPECT_EQ(shift_round_half_up(-7, 0), -7);
  EXPECT_EQ(shift_round_half_up(-7, -3), -56);
  EXPECT_EQ(shift_round_half_up(5, -60), static_cast<i128>(5) << 60);
  // Left shifts that leave the int128 range saturate.
  EXPECT_EQ(shift_round_half_up(1, -127), atl::core::kI128Max);
  EXPECT_EQ(shift_round_half_up(-1, -127), atl::core::kI128Min);
  EXPECT_EQ(shift_round_half_up(3, -126), atl::core::kI128Max);
}

TEST(Dyadic, LargeShiftsGoToZero) {
  EXPECT_EQ(shift_round_half_up(atl::core::kI128Max, 127), 1);  // just below 1
  EXPECT_EQ(shift_round_half_up(atl::core::kI128Max, 128), 0);
  EXPECT_EQ(shift_round_half_up(atl::core::kI128Min, 128), 0);  // exactly -1/2 -> 0
  EXPECT_EQ(shift_round_half_up(-5, 500), 0);
  EXPECT_EQ(shift_round_half_up(atl::core::kI128Min, 127), -1);  // exactly -1
}

TEST(Dyadic, MatchesReferenceOnRandomValues) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const auto x = static_cast<std::int64_t>(rng());
    const auto m = static_cast<std::int32_t>(rng());
    const int e = static_cast<int>(rng() % 96) + 1;
    const i128 p = static_cast<i128>(x) * m;
    ASSERT_EQ(shift_round_half_up(p, e), ref_round(p, e)) << x << " " << m << " " << e;
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
