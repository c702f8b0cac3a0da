#include "kernels/quant_act.h"

#include <gtest/gtest.h>

#include "kernels/residual_act.h"

namespace {

using atl::core::Tensor;
using namespace atl::kernels;

TEST(QuantAct, PerChannelRoundingAndSaturation) {
  // m / 2^e = 1/2 for channels 0, 3, 4, 3/4 for channel 1, -1 for channel 2.
  QuantActParams p{{1, 3, -1, 1, 1}, {1, 2, 0, 1, 1}, 8};
  const std::vector<std::int32_t> x = {3, -6, 200, 5, -3};
  std::vector<std::int8_t> y(5), ref(5);
  quant_act_row<std::int32_t, std::int8_t>(x, p, y);  // the 64-bit path
  quant_act_row_ref<std::int32_t, std::int8_t>(x, p, ref);
  EXPECT_EQ(y, (std::vector<std::int8_t>{2, -4, -128, 2, -2}));
  // 1.5 -> 2 and -4.5 -> -4 (ties to even), -200 saturates, 2.5 -> 2 and -1.5 -> -2 (ties to
  // even; the seed hardware's round half up gives 3 and -1).
  EXPECT_EQ(ref, y);
}

TEST(QuantAct, PerTensorBroadcast) {
  QuantActParams p{{1 << 20}, {21}, 8};  // x / 2
  const Tensor<std::int32_t> x({2, 3}, {1, 2, 3, -1, -2, -3});
  const auto y = quant_act<std::int8_t>(x, p);
  // 0.5 -> 0, 1.5 -> 2, -0.5 -> 0, -1.5 -> -2: ties to even.
  EXPECT_EQ(y.values(), (std::vector<std::int8_t>{0, 1, 2, 0, -1, -2}));
}

TEST(QuantAct, NegativeMultiplier) {
  QuantActParams p{{-(1 << 30)}, {31}, 8};  // -x / 2
  const std::vector<std::int32_t> x = {5, -5, 1, -1};
  std::vector<std::int8_t> y(4);
  quant_act_row<std::int32_t, std::int8_t>(x, p, y);
  EXPECT_EQ(y, (std::vector<std::int8_t>{-2, 2, 0, 0}));  // -2.5 -> -2, 2.5 -> 2, +-0.5 -> 0
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
  EXPECT_EQ(r.output1.values(), (std::vector<std::int32_t>{8, -8}));  // 7.5 -> 8, -7.5 -> -8
  EXPECT_EQ(r.output.values(), (std::vector<std::int32_t>{16, -15}));
  // The same by the 128-bit definition, and a tie rounded down to even: 2.5 / -2.5 -> 2 / -2.
  std::vector<std::int32_t> out(2), out0(2), out1(2);
  residual_act_row_ref(x.row(0), id.row(0), p, out, out0, out1);
  EXPECT_EQ(out, (std::vector<std::int32_t>{16, -15}));
  EXPECT_EQ(out1, (std::vector<std::int32_t>{8, -8}));
  const Tensor<std::int8_t> one({1, 2}, {1, -1});
  EXPECT_EQ(residual_act(x, one, p).output1.values(), (std::vector<std::int32_t>{2, -2}));
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
