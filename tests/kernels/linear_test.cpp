#include "kernels/linear.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"

namespace {

using atl::core::Tensor;
using namespace atl::kernels;

Tensor<std::int8_t> random_i8(std::int64_t rows, std::int64_t cols, std::mt19937& rng) {
  Tensor<std::int8_t> t({rows, cols});
  std::uniform_int_distribution<int> d(-128, 127);
  for (auto& v : t.values()) v = static_cast<std::int8_t>(d(rng));
  return t;
}

std::vector<std::int32_t> random_bias(std::int64_t n, std::mt19937& rng) {
  std::uniform_int_distribution<std::int32_t> d(-(1 << 20), 1 << 20);
  std::vector<std::int32_t> b(static_cast<std::size_t>(n));
  for (auto& v : b) v = d(rng);
  return b;
}

TEST(Linear, HandComputed) {
  const Tensor<std::int8_t> x({2, 3}, {1, -2, 3, -128, 127, 0});
  const Tensor<std::int8_t> w({2, 3}, {4, 5, -6, -128, -128, 127});
  const std::vector<std::int32_t> b = {10, -1};
  const auto y = linear_ref(x, w, b);
  // row0: 4 - 10 - 18 + 10 = -14 ; -128 + 256 + 381 - 1 = 508
  // row1: -512 + 635 + 10 = 133 ; 16384 - 16256 - 1 = 127
  EXPECT_EQ(y.values(), (std::vector<std::int32_t>{-14, 508, 133, 127}));
  EXPECT_EQ(linear(x, w, b).values(), y.values());
}

TEST(Linear, OneDnnEqualsReferenceOnOddShapes) {
  std::mt19937 rng(42);
  const std::vector<std::array<std::int64_t, 3>> shapes = {
      {1, 1, 1}, {1, 7, 3}, {3, 5, 7}, {17, 33, 65}, {2, 64, 1}, {129, 31, 100}, {5, 768, 768}};
  for (const auto& [rows, in, out] : shapes) {
    const auto x = random_i8(rows, in, rng);
    const auto w = random_i8(out, in, rng);
    const auto b = random_bias(out, rng);
    EXPECT_EQ(linear(x, w, b), linear_ref(x, w, b)) << rows << "x" << in << "x" << out;
  }
}

TEST(Linear, ExactAboveFloatPrecision) {
  // Every product is (-128)*(-128) = 2^14; K = 3072 gives 3 * 2^24 plus an odd bias: a float
  // accumulator or a float bias add would lose the low bits.
  const std::int64_t k = 3072;
  Tensor<std::int8_t> x({3, k});
  Tensor<std::int8_t> w({4, k});
  for (auto& v : x.values()) v = -128;
  for (auto& v : w.values()) v = -128;
  w(1, 0) = 127;  // makes one output odd-valued
  const std::vector<std::int32_t> b = {1, -3, 12345, -7};
  const auto want = linear_ref(x, w, b);
  EXPECT_EQ(want(0, 0), 3 * (1 << 24) + 1);
  EXPECT_EQ(LinearPlan(w, b).run(x), want);
}

TEST(Linear, BiasAddSaturatesInsteadOfOverflowing) {
  // sum + bias leaves int32 for a bias near the limits: the result saturates (the exact sum
  // wrapped would flip the sign; before the fix this was signed overflow, undefined behaviour).
  const Tensor<std::int8_t> x({2, 2}, {1, 1, -1, -1});
  const Tensor<std::int8_t> w({3, 2}, {127, 127, -128, -128, 1, 0});
  const std::vector<std::int32_t> b = {INT32_MAX, INT32_MIN, INT32_MAX};
  // row 0 sums: 254, -256, 1; row 1: -254, 256, -1.
  const std::vector<std::int32_t> want = {INT32_MAX,       INT32_MIN,       INT32_MAX,
                                          INT32_MAX - 254, INT32_MIN + 256, INT32_MAX - 1};
  EXPECT_EQ(linear_ref(x, w, b).values(), want);
  EXPECT_EQ(LinearPlan(w, b).run(x).values(), want);
  std::vector<std::int32_t> row(3);
  linear_ref_row(x.row(0), w, b, row);
  EXPECT_EQ(row, std::vector<std::int32_t>(want.begin(), want.begin() + 3));
}

TEST(Linear, PlanRejectsInputsWhoseSumsCouldOverflowInt32) {
  // 2^17 inputs of (-128) * (-128) = 2^14 would sum to 2^31.
  const Tensor<std::int8_t> w({1, std::int64_t{1} << 17});
  const std::vector<std::int32_t> b = {0};
  try {
    LinearPlan plan(w, b);
    FAIL() << "expected an error";
  } catch (const atl::core::Error& e) {
    EXPECT_EQ(e.kind(), atl::core::ErrorKind::unsupported);
    EXPECT_NE(std::string(e.what()).find("131071"), std::string::npos) << e.what();
  }
}

TEST(Linear, PlanReusedAcrossRowCountsAndThreads) {
  std::mt19937 rng(3);
  const auto w = random_i8(96, 160, rng);
  const auto b = random_bias(96, rng);
  const LinearPlan plan(w, b);
  EXPECT_EQ(plan.in_features(), 160);
  EXPECT_EQ(plan.out_features(), 96);
  std::vector<Tensor<std::int8_t>> inputs;
  for (std::int64_t rows : {1, 4, 1, 13, 128, 4}) inputs.push_back(random_i8(rows, 160, rng));
  for (const auto& x : inputs) EXPECT_EQ(plan.run(x), linear_ref(x, w, b));
  // Row entry point.
  std::vector<std::int32_t> y(96);
  plan.run_row(inputs[0].row(0), y);
  std::vector<std::int32_t> yr(96);
  linear_ref_row(inputs[0].row(0), w, b, yr);
  EXPECT_EQ(y, yr);
  // Concurrent use of one plan.
  std::vector<int> ok(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      bool all = true;
      for (int rep = 0; rep < 5; ++rep) {
        const auto& x = inputs[static_cast<std::size_t>((t + rep) % inputs.size())];
        all = all && plan.run(x) == linear_ref(x, w, b);
      }
      ok[static_cast<std::size_t>(t)] = all ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, (std::vector<int>{1, 1, 1, 1}));
}

TEST(Linear, ShapeErrors) {
  const Tensor<std::int8_t> w({2, 3});
  const std::vector<std::int32_t> b3 = {1, 2, 3};
  EXPECT_THROW(LinearPlan(w, b3), atl::core::Error);
  const std::vector<std::int32_t> b2 = {1, 2};
  const LinearPlan plan(w, b2);
  EXPECT_THROW(plan.run(Tensor<std::int8_t>({1, 4})), atl::core::Error);
  EXPECT_EQ(plan.run(Tensor<std::int8_t>({0, 3})).size(), 0);
}

}  // namespace
