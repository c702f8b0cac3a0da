#include <gtest/gtest.h>

#include <bit>
#include <cmath>

#include "kernels/gelu.h"
#include "kernels/layernorm.h"

namespace {

using atl::core::Tensor;
using namespace atl::kernels;

TEST(Gelu, HandComputed) {
  // Layer-0 channel-0 tables of the golden data.
  const GeluParams p{{-5535}, {-33896416}, {-2068}, 14};
  const std::vector<std::int32_t> x = {0, 1, -1, 100, -100, 5535, -5535, 6000, -6000, -40000};
  std::vector<std::int32_t> y(x.size());
  std::vector<std::int8_t> sign(x.size());
  gelu_row(x, p, y, sign);
  EXPECT_EQ(y, (std::vector<std::int32_t>{0, -2268, 1869, -233400, 180300, -22898295, 0, -24822000,
                                          0, 0}));
  EXPECT_EQ(sign, (std::vector<std::int8_t>{0, 1, -1, 1, -1, 1, -1, 1, -1, -1}));
}

TEST(Gelu, OutputSaturatesToInt32) {
  const GeluParams p{{-1}, {0}, {1 << 20}, 0};
  const std::vector<std::int32_t> x = {1 << 20, -(1 << 20)};
  std::vector<std::int32_t> y(2);
  gelu_row(x, p, y);
  EXPECT_EQ(y[0], 2147483647);
  EXPECT_EQ(y[1], -2147483647 - 1);
}

TEST(Gelu, ValidatesTables) {
  EXPECT_THROW(validate(GeluParams{{1}, {0}, {0}, 14}, 4, "t"), atl::core::Error);
  EXPECT_THROW(validate(GeluParams{{-1, -1}, {0}, {0}, 14}, 4, "t"), atl::core::Error);
  EXPECT_NO_THROW(validate(GeluParams{{-1}, {0}, {0}, 14}, 4, "t"));
}

TEST(Isqrt, ExactAroundSquares) {
  for (std::uint64_t k = 1; k < (1u << 16); k += 1) {
    ASSERT_EQ(isqrt_exact(k * k - 1), k - 1);
    ASSERT_EQ(isqrt_exact(k * k), k);
    ASSERT_EQ(isqrt_exact(k * k + 1), k);
  }
  EXPECT_EQ(isqrt_exact(0), 0u);
  EXPECT_EQ(isqrt_exact(~std::uint64_t{0}), 4294967295u);
  const std::uint64_t big = 4294967295u;
  EXPECT_EQ(isqrt_exact(big * big), big);
  EXPECT_EQ(isqrt_exact(big * big - 1), big - 1);
}

TEST(Isqrt, FourNewtonStepsEqualExactBelow2To24) {
  for (std::uint64_t v = 0; v < (1u << 24); ++v) ASSERT_EQ(isqrt_newton(v, 4), isqrt_exact(v)) << v;
}

TEST(Isqrt, FourNewtonStepsAreOneTooLargeNearSomeSquares) {
  // The seed hardware's 4 steps: over all k^2-1, k^2, k^2+1 below 2^32, 10406 values differ, each
  // by +1, all with an odd bit count >= 25 (the leading-one guess is then up to 2x too large).
  // 5 steps equal the exact root on all of them.
  int diffs = 0;
  for (std::uint64_t k = 1; k < (1u << 16); ++k) {
    for (std::uint64_t v : {k * k - 1, k * k, k * k + 1}) {
      if (v >= (std::uint64_t{1} << 32)) continue;
      const std::uint64_t hw = isqrt_newton(v, 4);
      const std::uint64_t ex = isqrt_exact(v);
      ASSERT_EQ(isqrt_newton(v, 5), ex) << v;
      if (hw != ex) {
        ++diffs;
        ASSERT_EQ(hw, ex + 1) << v;
        const int bits = static_cast<int>(std::bit_width(v));
        ASSERT_TRUE(bits >= 25 && bits % 2 == 1) << v;
      }
    }
  }
  EXPECT_EQ(diffs, 10406);
  EXPECT_EQ(isqrt_newton(16785408, 4), 4097u);  // 4097^2 - 1
  EXPECT_EQ(isqrt_exact(16785408), 4096u);
  EXPECT_EQ(isqrt_newton(16785408, 5), 4096u);
}

TEST(LayerNorm, SquareRootIsExact) {
  // d = {2816, -2816, 512, -512, 448, -448} around mean 1000: var = 16785408 = 4097^2 - 1, whose
  // exact root is 4096 (factor 2^31 / 4096 = 2^19, y = d * 2^18); the hardware's 4 Newton steps
  // give 4097 (factor 524159).
  const LayerNormParams p{0, {0, 0, 0, 0, 0, 0}};
  const std::vector<std::int32_t> x = {3816, -1816, 1512, 488, 1448, 552};
  std::vector<std::int32_t> y(6), yi(6), yr(6), yir(6);
  layernorm_row(x, p, y, yi);
  layernorm_row_ref(x, p, yr, yir);
  const std::vector<std::int32_t> want = {738197504,  -738197504, 134217728,
                                          -134217728, 117440512,  -117440512};
  EXPECT_EQ(yi, want);
  EXPECT_EQ(yir, want);
  EXPECT_EQ(y, want);
}

TEST(LayerNorm, MeanRoundsToNearestTiesToEven) {
  EXPECT_EQ(layernorm_mean(6, 4), 2);     // 1.5 -> 2
  EXPECT_EQ(layernorm_mean(-6, 4), -2);   // -1.5 -> -2
  EXPECT_EQ(layernorm_mean(10, 4), 2);    // 2.5 -> 2
  EXPECT_EQ(layernorm_mean(-10, 4), -2);  // -2.5 -> -2
  EXPECT_EQ(layernorm_mean(14, 4), 4);    // 3.5 -> 4
  EXPECT_EQ(layernorm_mean(-14, 4), -4);  // -3.5 -> -4
  EXPECT_EQ(layernorm_mean(2, 4), 0);     // 0.5 -> 0
  EXPECT_EQ(layernorm_mean(-2, 4), 0);    // -0.5 -> 0
  EXPECT_EQ(layernorm_mean(7, 4), 2);     // 1.75
  EXPECT_EQ(layernorm_mean(-7, 4), -2);
  EXPECT_EQ(layernorm_mean(5, 4), 1);  // 1.25
  EXPECT_EQ(layernorm_mean(-5, 4), -1);
  EXPECT_EQ(layernorm_mean(-768, 768), -1);
  EXPECT_EQ(layernorm_mean(767, 3), 256);  // 255.67; odd n has no ties
  // The two exact ties of the real model's layers 2..11 (sum mod 768 = 384, both with an odd
  // integer part, so the mean rounds up), and the same with an even integer part and negated.
  EXPECT_EQ(layernorm_mean(2517120, 768), 3278);  // 3277.5
  EXPECT_EQ(layernorm_mean(342144, 768), 446);    // 445.5
  EXPECT_EQ(layernorm_mean(2517888, 768), 3278);  // 3278.5
  EXPECT_EQ(layernorm_mean(-2517120, 768), -3278);
  EXPECT_EQ(layernorm_mean(-2517888, 768), -3278);
}

TEST(LayerNorm, TiedMeanRowsOf768Channels) {
  // x = {M + 384, M, ..., M}: sum = 768 M + 384, the mean M + 1/2 is an exact tie. Ties to even
  // give M when M is even (then d = {384, 0, ...}: var 36, sd 6, factor 5592405) and M + 1 when
  // M is odd (d = {383, -1, ...}: var 792, sd 28, factor 1198372), for either sign.
  const LayerNormParams p{6, std::vector<std::int64_t>(768, 7)};
  for (const std::int32_t m : {3277, 3278, -3278, -3279, 1, 0, -1, -2}) {
    std::vector<std::int32_t> x(768, m);
    x[0] = m + 384;
    const bool up = m % 2 != 0;
    std::vector<std::int32_t> y(768), yi(768), yr(768), yir(768);
    layernorm_row(x, p, y, yi);
    layernorm_row_ref(x, p, yr, yir);
    EXPECT_EQ(yi[0], up ? 229488238 : 1073741760) << m;
    EXPECT_EQ(yi[1], up ? -599186 : 0) << m;
    EXPECT_EQ(yi[767], yi[1]) << m;
    EXPECT_EQ(y[1], yi[1] + 7) << m;
    EXPECT_EQ(yir, yi) << m;
    EXPECT_EQ(yr, y) << m;
  }
}

TEST(LayerNorm, HandComputedWithShiftAndBias) {
  // mean round(-643/6 = -107.17) = -107; var = sum((d >> 2)^2) = 64634; sd 254;
  // factor = 2^31 / (254 << 2) = 2113665.
  const LayerNormParams p{2, {1, 2, 3, 4, 5, 6}};
  const std::vector<std::int32_t> x = {100, -50, 300, 7, -1000, 0};
  std::vector<std::int32_t> y(6), yi(6);
  layernorm_row(x, p, y, yi);
  EXPECT_EQ(yi, (std::vector<std::int32_t>{218764327, 60239452, 430130827, 120478905, -943751423,
                                           113081077}));
  EXPECT_EQ(y, (std::vector<std::int32_t>{218764328, 60239454, 430130830, 120478909, -943751418,
                                          113081083}));
}

TEST(LayerNorm, ConstantRowGivesBias) {
  const LayerNormParams p{1, {0, 1, 2, 3}};
  const Tensor<std::int32_t> x({1, 4}, {5, 5, 5, 5});
  EXPECT_EQ(layernorm(x, p).values(), (std::vector<std::int32_t>{0, 1, 2, 3}));
}

}  // namespace
