// Agreement of the integer model with the float reference on stories260K over six teacher-forced
// sequences (docs/decoders.md, "Calibration techniques tried"): the float model's greedy tokens
// from BOS and from the prompts 1,300 .. 1,500. One sequence of 199 steps is a noisy judge (14
// near-ties); a calibration change is measured on all six, and this pins today's numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "decoder_files.h"
#include "model/float_decoder.h"
#include "model/int_decoder.h"
#include "model/llama2c.h"

namespace atl::model {
namespace {

TEST(Agreement, Stories260kOverSixSequences) {
  if (!std::filesystem::exists(testing::stories260k())) {
    GTEST_SKIP() << "no " << testing::stories260k() << " (../shared absent)";
  }
  const DecoderWeightReader weights = open_llama2c(testing::stories260k());
  FloatDecoder reference(read_all(weights));
  IntDecoder integer(weights);
  int agree = 0, steps = 0;
  double error = 0;
  std::vector<int> per_sequence;
  for (const std::vector<int>& prompt :
       {std::vector<int>{1}, {1, 300}, {1, 350}, {1, 400}, {1, 450}, {1, 500}}) {
    // The float model's greedy continuation to 200 tokens, then both models teacher-forced on it.
    std::vector<int> tokens = prompt;
    reference.reset();
    for (int pos = 0; tokens.size() < 200; ++pos) {
      const std::vector<float> logits = reference.forward(tokens[pos], pos);
      if (pos + 1 == static_cast<int>(tokens.size())) tokens.push_back(argmax(logits));
    }
    reference.reset();
    integer.reset();
    int a = 0;
    for (int pos = 0; pos < 199; ++pos) {
      const std::vector<float> f = reference.forward(tokens[pos], pos);
      const std::vector<float> q = integer.forward(tokens[pos], pos);
      a += integer.greedy_token() == argmax(f);
      double sum = 0;
      for (std::size_t i = 0; i < f.size(); ++i) sum += std::fabs(double{q[i]} - double{f[i]});
      error += sum / static_cast<double>(f.size());
      ++steps;
    }
    per_sequence.push_back(a);
    agree += a;
  }
  std::printf("agreement %d of %d, mean |logit error| %.4f\n", agree, steps, error / steps);
  EXPECT_EQ(per_sequence, (std::vector<int>{168, 166, 174, 178, 178, 177}));
  EXPECT_EQ(agree, 1041);
  EXPECT_NEAR(error / steps, 0.3618, 0.0001);
}

}  // namespace
}  // namespace atl::model
