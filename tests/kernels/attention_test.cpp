#include <gtest/gtest.h>

#include "kernels/attention_matmul.h"
#include "kernels/concat.h"
#include "kernels/softmax_matmul.h"

namespace {

using atl::core::Tensor;
using namespace atl::kernels;

TEST(AttentionMatmul, HandComputed) {
  const Tensor<std::int8_t> q({2, 2}, {1, 2, -128, 127});
  const Tensor<std::int8_t> k({3, 2}, {3, 4, -1, 0, -128, -128});
  const auto s = attention_matmul(q, k);
  EXPECT_EQ(s.values(), (std::vector<std::int32_t>{11, -1, -384, 124, 128, 128}));
}

TEST(AttentionMatmul, MaskSetsTrailingColumnsToMinusInfinity) {
  Tensor<std::int32_t> s({2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  mask_scores(s, 3);
  EXPECT_EQ(s(0, 2), 3);
  EXPECT_EQ(s(0, 3), kMaskedScore);
  EXPECT_EQ(s(1, 3), kMaskedScore);
  mask_scores(s, 10);  // no-op
  EXPECT_EQ(s(1, 2), 7);
}

TEST(SoftmaxMatmul, HandComputed) {
  const Tensor<std::uint8_t> p({2, 3}, {255, 0, 1, 10, 20, 30});
  const Tensor<std::int8_t> v({3, 2}, {-128, 127, 5, -5, 1, 2});
  const auto o = softmax_matmul(p, v);
  EXPECT_EQ(o.values(), (std::vector<std::int32_t>{-32639, 32387, -1150, 1230}));
}

TEST(Concat, HeadOrder) {
  const std::vector<Tensor<std::int32_t>> heads = {Tensor<std::int32_t>({2, 2}, {1, 2, 3, 4}),
                                                   Tensor<std::int32_t>({2, 1}, {9, 8})};
  EXPECT_EQ(concat(heads).values(), (std::vector<std::int32_t>{1, 2, 9, 3, 4, 8}));
  const std::vector<Tensor<std::int32_t>> bad = {Tensor<std::int32_t>({2, 2}),
                                                 Tensor<std::int32_t>({3, 2})};
  EXPECT_THROW(concat(bad), atl::core::Error);
}

}  // namespace
