#include "kernels/softmax.h"

#include <gtest/gtest.h>

#include "kernels/attention_matmul.h"

namespace {

using namespace atl::kernels;

// The layer-0 constants of the golden data.
SoftmaxParams layer0() {
  return SoftmaxParams{-490, 1912, 1393919, 30, 1615394284, 66};
}

TEST(Softmax, IExpOfHandPickedDifferences) {
  const auto p = layer0();
  EXPECT_EQ(softmax_exp(0, p), std::int64_t{1393919} << 30);     // q = 0, r = 0
  EXPECT_EQ(softmax_exp(-490, p), std::int64_t{1393919} << 29);  // q = 1, r = 0
  EXPECT_EQ(softmax_exp(-10, p), std::int64_t{(-10 + 1912) * -10 + 1393919} << 30);
  EXPECT_EQ(softmax_exp(-500, p), std::int64_t{(-10 + 1912) * -10 + 1393919} << 29);
  EXPECT_EQ(softmax_exp(-14700, p), 1393919);        // q = 30: no shift
  EXPECT_EQ(softmax_exp(-100000, p), 1393919);       // clamped to 30 * x0
  EXPECT_EQ(softmax_exp(kMaskedScore, p), 1393919);  // masked: clamp path
}

TEST(Softmax, HandComputedRow) {
  const std::vector<std::int32_t> s = {0, -490, kMaskedScore};
  std::vector<std::uint8_t> out(3);
  std::vector<std::int64_t> ex(3);
  std::vector<std::int32_t> e16(3);
  softmax_row(s, layer0(), out, ex, e16);
  EXPECT_EQ(e16, (std::vector<std::int32_t>{32767, 16383, 0}));
  EXPECT_EQ(out, (std::vector<std::uint8_t>{170, 85, 0}));  // 32767*256/49150, 16383*256/49150
}

TEST(Softmax, ShiftInvariantAndTies) {
  const std::vector<std::int32_t> s = {100, 100, 50, -10000};
  std::vector<std::uint8_t> out(4);
  softmax_row(s, layer0(), out);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{87, 87, 81, 0}));
  const std::vector<std::int32_t> t = {1100, 1100, 1050, -9000};
  std::vector<std::uint8_t> out2(4);
  softmax_row(t, layer0(), out2);
  EXPECT_EQ(out2, out);
}

TEST(Softmax, InternalRequantisationTiesRoundToEven) {
  // x0 = -4, b = 0, c = 8, n = 2, m / 2^e = 1/8. Differences 0, -1, -3, -4 give exp = 32, 36, 68
  // (q = 0: ((r + 0) r + 8) << 2) and 16 (q = 1, r = 0: 8 << 1); e16 = 4, 4.5 -> 4, 8.5 -> 8, 2
  // (ties to even; round half up would give 5 and 9). sum 18: p = e16 * 256 / 18.
  const SoftmaxParams p{-4, 0, 8, 2, 1, 3};
  const std::vector<std::int32_t> s = {10, 9, 7, 6};
  std::vector<std::uint8_t> out(4), fast(4);
  std::vector<std::int64_t> ex(4);
  std::vector<std::int32_t> e16(4);
  softmax_row(s, p, out, ex, e16);  // the definition (intermediates requested)
  softmax_row(s, p, fast);          // the 64-bit path
  EXPECT_EQ(ex, (std::vector<std::int64_t>{32, 36, 68, 16}));
  EXPECT_EQ(e16, (std::vector<std::int32_t>{4, 4, 8, 2}));
  EXPECT_EQ(out, (std::vector<std::uint8_t>{56, 56, 113, 28}));
  EXPECT_EQ(fast, out);
}

TEST(Softmax, SingleSurvivorGives256ClampedTo255) {
  // The sum equals the winner's e16 (32767), so (32767 << 8) / 32767 = 256 -> 255.
  const std::vector<std::int32_t> s = {5, kMaskedScore, kMaskedScore, kMaskedScore};
  std::vector<std::uint8_t> out(4);
  softmax_row(s, layer0(), out);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{255, 0, 0, 0}));
  const std::vector<std::int32_t> one = {7};
  std::vector<std::uint8_t> o1(1);
  softmax_row(one, layer0(), o1);
  EXPECT_EQ(o1[0], 255);
}

TEST(Softmax, AllMaskedRowIsZero) {
  const std::vector<std::int32_t> s = {kMaskedScore, kMaskedScore};
  std::vector<std::uint8_t> out(2, 9);
  softmax_row(s, layer0(), out);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{0, 0}));
}

TEST(Softmax, RejectsNonNegativeX0) {
  auto p = layer0();
  p.x0 = 0;
  const std::vector<std::int32_t> s = {1};
  std::vector<std::uint8_t> out(1);
  EXPECT_THROW(softmax_row(s, p, out), atl::core::Error);
}

}  // namespace
