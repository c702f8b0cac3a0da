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

TEST(Isqrt, HardwareNewtonEqualsExactBelow2To24) {
  for (std::uint64_t v = 0; v < (1u << 24); ++v) ASSERT_EQ(isqrt_newton(v), isqrt_exact(v)) << v;
}

TEST(Isqrt, HardwareNewtonDiffersOnlyNearSquaresWithOddBitCount) {
  // Over all k^2-1, k^2, k^2+1 below 2^32: 10406 values differ, each by +1, all with an odd bit
  // count >= 25 (the leading-one guess is then up to 2x too large for 4 Newton steps).
  int diffs = 0;
  for (std::uint64_t k = 1; k < (1u << 16); ++k) {
    for (std::uint64_t v : {k * k - 1, k * k, k * k + 1}) {
      if (v >= (std::uint64_t{1} << 32)) continue;
      const std::uint64_t hw = isqrt_newton(v);
      const std::uint64_t ex = isqrt_exact(v);
      if (hw != ex) {
        ++diffs;
        ASSERT_EQ(hw, ex + 1) << v;
        const int bits = static_cast<int>(std::bit_width(v));
        ASSERT_TRUE(bits >= 25 && bits % 2 == 1) << v;
      }
    }
  }
  EXPECT_EQ(diffs, 10406);
  EXPECT_EQ(isqrt_newton(16785408), 4097u);  // 4097^2 - 1
  EXPECT_EQ(isqrt_exact(16785408), 4096u);
  EXPECT_EQ(isqrt_newton(16785408, 5), 4096u);
}

TEST(LayerNorm, MeanTiesRoundTowardZero) {
  // sum 6 over 4 channels: mean 1.5 -> 1; d = {0, 1, 2, -1}, var 6, sd 2, factor 2^30.
  const LayerNormParams p{0, {0, 0, 0, 0}};
  const std::vector<std::int32_t> x = {1, 2, 3, 0};
  std::vector<std::int32_t> y(4), yi(4);
  layernorm_row(x, p, y, yi);
  EXPECT_EQ(y, (std::vector<std::int32_t>{0, 536870912, 1073741824, -536870912}));
  // sum -6: mean -1.5 -> -1.
  const LayerNormParams q{0, {10, 0, 0, 0}};
  const std::vector<std::int32_t> xn = {-1, -2, -3, 0};
  layernorm_row(xn, q, y, yi);
  EXPECT_EQ(yi, (std::vector<std::int32_t>{0, -536870912, -1073741824, 536870912}));
  EXPECT_EQ(y, (std::vector<std::int32_t>{10, -536870912, -1073741824, 536870912}));
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
