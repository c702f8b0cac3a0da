// identity_add, the residual stage of the LayerNorm kernels: its 64-bit path against its
// definition (int32 limits included, both sides of the fits_int64 bound), and the split of the
// hardware (quant_act to int32 in the producer, identity_add in the consumer) against
// kernels::residual_act, which computes both branches from the raw linear output.
#include "kernels/identity_add.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "core/random.h"
#include "kernels/layernorm.h"
#include "kernels/quant_act.h"
#include "kernels/residual_act.h"

namespace atl::kernels {
namespace {

using core::Tensor;

constexpr std::int32_t kMin32 = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t kMax32 = std::numeric_limits<std::int32_t>::max();

std::int64_t uniform(core::Rng& rng, std::int64_t lo, std::int64_t hi) {
  return lo + static_cast<std::int64_t>(rng.next() % static_cast<std::uint64_t>(hi - lo + 1));
}

// rows x cols int32 in [-range, range], every 16th value an int32 limit when `edges`.
Tensor<std::int32_t> random_i32(std::int64_t rows, std::int64_t cols, std::int64_t range,
                                bool edges, std::uint64_t seed) {
  core::Rng rng(seed);
  Tensor<std::int32_t> t({rows, cols});
  for (auto& v : t.values()) {
    v = static_cast<std::int32_t>(uniform(rng, -range, range));
    if (edges && rng.next() % 16 == 0) v = rng.next() % 2 ? kMin32 : kMax32;
  }
  return t;
}

Tensor<std::int8_t> random_i8(std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
  core::Rng rng(seed);
  Tensor<std::int8_t> t({rows, cols});
  for (auto& v : t.values()) v = static_cast<std::int8_t>(uniform(rng, -128, 127));
  return t;
}

QuantActParams per_channel(std::int64_t n, int out_bits, std::uint64_t seed) {
  core::Rng rng(seed);
  QuantActParams p{{}, {}, out_bits};
  for (std::int64_t c = 0; c < n; ++c) {
    p.m.push_back(uniform(rng, 1, (std::int64_t{1} << 31) - 1));
    p.e.push_back(static_cast<int>(uniform(rng, 20, 36)));
  }
  return p;
}

TEST(IdentityAdd, FastPathEqualsTheDefinition) {
  const std::int64_t rows = 9, n = 40;
  const Tensor<std::int32_t> x = random_i32(rows, n, kMax32, true, 1);
  const Tensor<std::int8_t> id = random_i8(rows, n, 2);
  // Per tensor and per channel; m beyond 2^31 and e = 0 take the 128-bit definition.
  for (const QuantActParams& p :
       {QuantActParams{{1 << 30}, {3}, 32}, QuantActParams{{-(1 << 29)}, {1}, 32},
        per_channel(n, 32, 3), QuantActParams{{std::int64_t{1} << 40}, {2}, 32},
        QuantActParams{{5}, {0}, 32}, QuantActParams{{1 << 20}, {2}, 8}}) {
    const Tensor<std::int32_t> fast = identity_add(x, id, p);
    for (std::int64_t r = 0; r < rows; ++r) {
      std::vector<std::int32_t> ref(n), row(n);
      identity_add_row_ref(x.row(r), id.row(r), p, ref);
      identity_add_row(x.row(r), id.row(r), p, row);
      EXPECT_EQ(std::vector<std::int32_t>(fast.row(r).begin(), fast.row(r).end()), ref)
          << "m " << p.m[0] << " e " << p.e[0] << " row " << r;
      EXPECT_EQ(row, ref);
    }
  }
}

TEST(IdentityAdd, SaturatesTheSumToInt32) {
  const Tensor<std::int32_t> x({1, 2}, {kMax32 - 1, kMin32 + 1});
  const Tensor<std::int8_t> id({1, 2}, {100, -100});
  const QuantActParams p{{1}, {1}, 32};  // 100 * 1 / 2 = 50, -100 -> -50
  EXPECT_EQ(identity_add(x, id, p).values(), (std::vector<std::int32_t>{kMax32, kMin32}));
  std::vector<std::int32_t> out(2), out1(2);
  identity_add_row_ref(x.row(0), id.row(0), p, out, out1);
  EXPECT_EQ(out1, (std::vector<std::int32_t>{50, -50}));
}

// The hardware split equals residual_act on the raw linear output, branch by branch.
TEST(IdentityAdd, AfterAnInt32QuantActEqualsResidualAct) {
  const std::int64_t rows = 7, n = 48;
  const Tensor<std::int32_t> raw = random_i32(rows, n, 1 << 22, true, 4);
  const Tensor<std::int8_t> id = random_i8(rows, n, 5);
  const ResidualActParams p{per_channel(n, 32, 6), QuantActParams{{1'234'567}, {21}, 32}};
  const ResidualActResult want = residual_act(raw, id, p);
  const Tensor<std::int32_t> output0 = quant_act<std::int32_t>(raw, p.main);
  EXPECT_EQ(output0, want.output0);
  EXPECT_EQ(identity_add(output0, id, p.identity), want.output);
  for (std::int64_t r = 0; r < rows; ++r) {
    std::vector<std::int32_t> out(n), out1(n);
    identity_add_row_ref(output0.row(r), id.row(r), p.identity, out, out1);
    EXPECT_EQ(std::vector<std::int32_t>(want.output1.row(r).begin(), want.output1.row(r).end()),
              out1);
  }
}

TEST(IdentityAdd, FusedWithLayerNormEqualsTheStages) {
  const std::int64_t rows = 33, n = 64;
  const Tensor<std::int32_t> x = random_i32(rows, n, 1 << 20, false, 7);
  const Tensor<std::int8_t> id = random_i8(rows, n, 8);
  const QuantActParams identity{{1'500'000}, {20}, 32};
  LayerNormParams ln{2, {}};
  core::Rng rng(9);
  for (std::int64_t c = 0; c < n; ++c) ln.bias.push_back(uniform(rng, -(1 << 24), 1 << 24));
  for (const QuantActParams& act :
       {per_channel(n, 8, 10), QuantActParams{{std::int64_t{1} << 40}, {50}, 8}}) {
    const Tensor<std::int8_t> want =
        quant_act<std::int8_t>(layernorm(identity_add(x, id, identity), ln), act);
    EXPECT_EQ(identity_add_layernorm_act(x.values(), id, identity, ln, act), want);
  }
}

}  // namespace
}  // namespace atl::kernels
