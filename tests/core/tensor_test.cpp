#include "core/tensor.h"

#include <gtest/gtest.h>

namespace atl::core {
namespace {

TEST(Tensor, RowMajorAccessAndRows) {
  Tensor<int> t({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(t(1, 0), 4);
  EXPECT_EQ(t.row(1)[2], 6);
  EXPECT_EQ(t.rows(), 2);
  EXPECT_EQ(t.row_size(), 3);
  t.row(0)[1] = 9;
  EXPECT_EQ(t[1], 9);
}

TEST(Tensor, RejectsElementCountMismatch) {
  try {
    Tensor<int> t({2, 3}, {1, 2, 3});
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Tensor: shape [2, 3] needs 6 elements, got 3");
  }
}

TEST(Tensor, ExpectShapeNamesWhat) {
  Tensor<int> t({4});
  EXPECT_NO_THROW(expect_shape(t, {4}, "bias"));
  try {
    expect_shape(t, {768}, "linear_q/bias_integer");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "linear_q/bias_integer: expected shape [768], got [4]");
  }
}

}  // namespace
}  // namespace atl::core
