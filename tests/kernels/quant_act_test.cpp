#include "kernels/quant_act.h"

#include <gtest/gtest.h>

#include "kernels/residual_act.h"

namespace {

using atl::core::Tensor;
using namespace atl::kernels;

TEST(QuantAct, PerChannelRoundingAndSaturation) {
  // m / 2^e = 1/2 for channel 0, 3/4 for channel 1, -1 for channel 2.
  QuantActParams p{{1, 3, -1}, {1, 2, 0}, 8};
  const std::vector<std::int32_t> x = {3, -6, 200};
  std::vector<std::int8_t> y(3);
  quant_act_row<std::int32_t, std::int8_t>(x, p, y);
  EXPECT_EQ(y[0], 2);     // 1.5 rounds half up
  EXPECT_EQ(y[1], -4);    // -4.5 rounds half up to -4
  EXPECT_EQ(y[2], -128);  // -200 saturates
}

TEST(QuantAct, PerTensorBroadcast) {
  QuantActParams p{{1 << 20}, {21}, 8};  // x / 2
  const Tensor<std::int32_t> x({2, 3}, {1, 2, 3, -1, -2, -3});
  const auto y = quant_act<std::int8_t>(x, p);
  EXPECT_EQ(y.values(), (std::vector<std::int8_t>{1, 1, 2, 0, -1, -1}));
}

TEST(QuantAct, NegativeMultiplier) {
  QuantActParams p{{-(1 << 30)}, {31}, 8};  // -x / 2
  const std::vector<std::int32_t> x = {5, -5, 1, -1};
  std::vector<std::int8_t> y(4);
  quant_act_row<std::int32_t, std::int8_t>(x, p, y);
  EXPECT_EQ(y, (std::vector<std::int8_t>{-2, 3, 0, 1}));  // -2.5 -> -2, 2.5 -> 3, -0.5 -> 0
}

TEST(QuantAct, ValidationNamesTheProblem) {
  QuantActParams p{{1, 2}, {1}, 8};
  EXPECT_THROW(validate(p, 2, "t"), atl::core::Error);
  QuantActParams q{{1, 2}, {1, 1}, 8};
  EXPECT_THROW(validate(q, 3, "t"), atl::core::Error);
  EXPECT_NO_THROW(validate(q, 2, "t"));
}

TEST(ResidualAct, TwoBranchesSummed) {
  ResidualActParams p;
  p.main = {{3, 1}, {2, 0}, 32};  // 3/4, 1
  p.identity = {{5}, {1}, 32};    // 5/2
  const Tensor<std::int32_t> x({1, 2}, {10, -7});
  const Tensor<std::int8_t> id({1, 2}, {3, -3});
  const auto r = residual_act(x, id, p);
  EXPECT_EQ(r.output0.values(), (std::vector<std::int32_t>{8, -7}));  // 7.5 -> 8
  EXPECT_EQ(r.output1.values(), (std::vector<std::int32_t>{8, -7}));  // 7.5 -> 8, -7.5 -> -7
  EXPECT_EQ(r.output.values(), (std::vector<std::int32_t>{16, -14}));
}

TEST(ResidualAct, SumSaturatesToInt32) {
  ResidualActParams p;
  p.main = {{1}, {-16}, 32};
  p.identity = {{1}, {-30}, 32};
  const std::vector<std::int32_t> x = {1 << 15};
  const std::vector<std::int8_t> id = {127};
  std::vector<std::int32_t> out(1);
  residual_act_row(x, id, p, out);
  EXPECT_EQ(out[0], 2147483647);
}

}  // namespace
