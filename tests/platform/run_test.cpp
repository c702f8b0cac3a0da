#include "platform/run.h"

#include <gtest/gtest.h>

#include <chrono>

#include "core/error.h"
#include "model/encoder.h"
#include "model/synthetic.h"
#include "plans.h"

namespace atl::platform {
namespace {

using testing::pipeline_plan;
using testing::scattered_plan;
using testing::tiny_config;

struct Reference {
  model::EncoderWeights weights;
  core::Tensor<std::int8_t> input, output;
};

const Reference& reference() {
  static const Reference r = [] {
    Reference r;
    r.weights = model::synthetic_weights(tiny_config(), 7);
    r.input = model::random_input(16, 128, 8);
    r.output = model::Encoder(r.weights).forward(r.input);
    return r;
  }();
  return r;
}

void expect_bit_exact(const plan::Plan& p) {
  const Reference& r = reference();
  RunResult got = run_plan(p, r.weights, r.input);
  ASSERT_TRUE(got.output.has_value());
  EXPECT_EQ(*got.output, r.output);
  ASSERT_EQ(got.nodes.size(), p.cluster.nodes.size());
}

TEST(RunPlan, OneNodeBitExact) { expect_bit_exact(pipeline_plan(tiny_config(), 1)); }
TEST(RunPlan, TwoNodesBitExact) { expect_bit_exact(pipeline_plan(tiny_config(), 2)); }
TEST(RunPlan, SixNodesBitExact) { expect_bit_exact(pipeline_plan(tiny_config(), 6)); }
TEST(RunPlan, TwelveScatteredNodesBitExact) { expect_bit_exact(scattered_plan(tiny_config(), 12)); }

}  // namespace
}  // namespace atl::platform
