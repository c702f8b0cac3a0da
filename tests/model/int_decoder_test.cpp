#include "model/int_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "core/error.h"
#include "decoder_files.h"
#include "model/float_decoder.h"
#include "model/llama2c.h"
#include "model/synthetic_decoder.h"

namespace atl::model {
namespace {

struct Agreement {
  int agree = 0, steps = 0;
  double mean_abs_error = 0;
};

// Teacher forcing on the float model's greedy tokens from BOS (token 1), `steps` steps: the
// integer model's argmax against the float one, and the mean |logit difference|.
Agreement measure(const DecoderModel& m, IntDecoder& model, int steps,
                  std::vector<int>* tokens_out = nullptr) {
  FloatDecoder ref(m);
  std::vector<int> tokens = {1};
  std::vector<std::vector<float>> ref_logits;
  for (int pos = 0; pos < steps; ++pos) {
    ref_logits.push_back(ref.forward(tokens.back(), pos));
    tokens.push_back(argmax(ref_logits.back()));
  }
  Agreement a;
  model.reset();
  double err = 0;
  for (int pos = 0; pos < steps; ++pos) {
    const std::vector<float> logits = model.forward(tokens[pos], pos);
    EXPECT_EQ(model.greedy_token(), argmax(logits));  // |logits| < 256: float keeps every bit
    a.agree += argmax(logits) == argmax(ref_logits[pos]);
    ++a.steps;
    for (std::size_t i = 0; i < logits.size(); ++i) {
      err += std::fabs(static_cast<double>(logits[i]) - ref_logits[pos][i]);
    }
  }
  a.mean_abs_error = err / (static_cast<double>(steps) * static_cast<double>(m.config.vocab));
  if (tokens_out != nullptr) *tokens_out = tokens;
  return a;
}

TEST(IntDecoder, Stories260kAgreesWithFloat) {
  if (!std::filesystem::exists(testing::stories260k())) {
    GTEST_SKIP() << "no " << testing::stories260k() << " (../shared absent)";
  }
  const DecoderModel m = load_llama2c(testing::stories260k());
  IntDecoder model(m.config, m.weights);
  std::vector<int> tokens;
  const Agreement dyn = measure(m, model, 199, &tokens);
  std::printf("per-token: agreement %d of %d, mean |logit error| %.5f\n", dyn.agree, dyn.steps,
              dyn.mean_abs_error);
  model.calibrate_static_scales(std::span<const int>(tokens).first(199));
  const Agreement st = measure(m, model, 199);
  std::printf("per-tensor: agreement %d of %d, mean |logit error| %.5f\n", st.agree, st.steps,
              st.mean_abs_error);
  // Pinned (docs/decoders.md, "Integer semantics"): int8 quantisation of a 64-wide model limits
  // agreement, per-token scales beat per-tensor ones.
  EXPECT_EQ(dyn.agree, 168);
  EXPECT_EQ(st.agree, 158);
  EXPECT_NEAR(dyn.mean_abs_error, 0.395, 0.001);
  EXPECT_NEAR(st.mean_abs_error, 0.677, 0.001);
}

using testing::small;

// Seeded synthetic weights (model/synthetic_decoder.h) of a small GPT-2 and a small Llama: the
// integer model against the float reference over 63 teacher-forced steps.

TEST(IntDecoder, SyntheticGpt2AndLlamaAgreeWithFloat) {
  const DecoderModel gpt2 = synthetic_decoder(small(testing::tiny_gpt2()), 12);
  IntDecoder g(gpt2.config, gpt2.weights);
  const Agreement ag = measure(gpt2, g, 63);
  EXPECT_EQ(ag.agree, 63);
  EXPECT_NEAR(ag.mean_abs_error, 0.0191, 0.0001);
  const DecoderModel llama = synthetic_decoder(small(testing::tiny_llama()), 12);
  IntDecoder l(llama.config, llama.weights);
  const Agreement al = measure(llama, l, 63);
  EXPECT_EQ(al.agree, 62);
  EXPECT_NEAR(al.mean_abs_error, 0.0235, 0.0001);
}

// FNV-1a over the bits of every logit of `steps` steps: a 20-token prefill, then tokens fed one
// by one (teacher forcing on a fixed sequence), so both the prefill and the decode paths count.
std::uint64_t logit_hash(IntDecoder& model, int steps) {
  std::uint64_t h = 1469598103934665603ull;
  const auto mix = [&h](const std::vector<float>& logits) {
    for (const float f : logits) {
      std::uint32_t bits = 0;
      std::memcpy(&bits, &f, sizeof bits);
      for (int b = 0; b < 4; ++b) h = (h ^ ((bits >> (8 * b)) & 0xffu)) * 1099511628211ull;
    }
  };
  const auto vocab = static_cast<int>(model.config().vocab);
  std::vector<int> prompt(20);
  for (int i = 0; i < 20; ++i) prompt[static_cast<std::size_t>(i)] = (1 + 37 * i) % vocab;
  model.reset();
  mix(model.prefill(prompt));
  for (int pos = 20; pos < 20 + steps; ++pos) mix(model.forward((7 + 13 * pos) % vocab, pos));
  return h;
}

// Pins the integer decoder's logits bit for bit (recorded before the decode fast paths of
// kernels/ and model::IntDecoder went in, which must change no integer): a Llama and a GPT-2 whose
// widths are not multiples of the product's 16-output blocks, with per-token and per-tensor
// activation scales, and stories260K's real weights.
TEST(IntDecoder, LogitsArePinnedBitForBit) {
  DecoderConfig c = small(testing::tiny_llama());
  c.hidden_dim = 200;
  c.vocab = 250;
  const DecoderModel llama = synthetic_decoder(c, 21);
  IntDecoder l(llama.config, llama.weights);
  EXPECT_EQ(logit_hash(l, 40), 0x91b1f3d935788086ull);
  std::vector<int> calibration(40);
  for (int i = 0; i < 40; ++i) calibration[static_cast<std::size_t>(i)] = (5 + 11 * i) % 250;
  l.calibrate_static_scales(calibration);
  EXPECT_EQ(logit_hash(l, 40), 0xa76fe26ac87d5a7aull);
  DecoderConfig g = small(testing::tiny_gpt2());
  g.hidden_dim = 200;
  g.vocab = 250;
  const DecoderModel gpt2 = synthetic_decoder(g, 22);
  IntDecoder gi(gpt2.config, gpt2.weights);
  EXPECT_EQ(logit_hash(gi, 40), 0x9149defc2570d533ull);
  if (!std::filesystem::exists(testing::stories260k())) {
    GTEST_SKIP() << "no " << testing::stories260k() << " (../shared absent)";
  }
  const DecoderModel m = load_llama2c(testing::stories260k());
  IntDecoder s(m.config, m.weights);
  EXPECT_EQ(logit_hash(s, 100), 0xeb6ca1867fae128dull);
}

// The logits with the work shared by a team of 2 threads equal those of one thread (the models
// are below the size at which forward() uses more than one thread by itself): the models of the
// pinned hashes with per-token and per-tensor scales, prefill and single tokens, and a 150-token
// prefill over three blocks.
TEST(IntDecoder, LogitsDoNotDependOnTheThreads) {
  std::vector<int> calibration(12);
  for (int i = 0; i < 12; ++i) calibration[static_cast<std::size_t>(i)] = (5 + 11 * i) % 250;
  for (const DecoderConfig& tiny : {testing::tiny_llama(), testing::tiny_gpt2()}) {
    DecoderConfig c = small(tiny);
    c.hidden_dim = 200;
    c.vocab = 250;
    const DecoderModel m = synthetic_decoder(c, 21);
    IntDecoder one(m.config, m.weights), two(m.config, m.weights);
    two.set_threads(2);
    EXPECT_EQ(logit_hash(two, 8), logit_hash(one, 8)) << c.name;
    one.calibrate_static_scales(calibration);
    two.calibrate_static_scales(calibration);
    EXPECT_EQ(logit_hash(two, 8), logit_hash(one, 8)) << c.name << ", per-tensor scales";
  }
  DecoderConfig long_context = small(testing::tiny_llama());
  long_context.max_seq = 160;
  const DecoderModel big = synthetic_decoder(long_context, 3);
  std::vector<int> many(150);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = static_cast<int>(i * 37 % 256);
  IntDecoder one(big.config, big.weights), two(big.config, big.weights);
  two.set_threads(2);
  EXPECT_EQ(two.prefill(many), one.prefill(many));
}

TEST(IntDecoder, PrefillAndResetRepeatTheSameLogits) {
  const DecoderModel m = synthetic_decoder(testing::tiny_llama(), 5);
  IntDecoder model(m.config, m.weights);
  const std::vector<int> tokens = {1, 7, 30, 2};
  std::vector<float> last;
  for (int pos = 0; pos < 4; ++pos) last = model.forward(tokens[pos], pos);
  EXPECT_EQ(model.next_position(), 4);
  model.reset();
  EXPECT_EQ(model.prefill(tokens), last);
  // 150 tokens: blocks of 64, 64 and 22 rows give what one token at a time gives.
  DecoderConfig long_context = small(testing::tiny_llama());
  long_context.max_seq = 160;
  const DecoderModel big = synthetic_decoder(long_context, 3);
  IntDecoder a(big.config, big.weights), b(big.config, big.weights);
  std::vector<int> many(150);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = static_cast<int>(i * 37 % 256);
  std::vector<float> one_by_one;
  for (int pos = 0; pos < 150; ++pos) one_by_one = a.forward(many[pos], pos);
  EXPECT_EQ(b.prefill(many), one_by_one);
  EXPECT_EQ(b.next_position(), 150);
  EXPECT_THROW(b.prefill(std::vector<int>(11, 1)), core::Error);  // 161 > max_seq
  EXPECT_EQ(b.next_position(), 150);                              // nothing ran
  // Re-running position 2 overwrites the cache from there on.
  model.forward(30, 2);
  EXPECT_EQ(model.forward(2, 3), last);
}

// greedy_tokens: prefill, then each token fed back at the next position; from an empty cache
// whatever ran before.
TEST(IntDecoder, GreedyTokensFeedEachTokenBack) {
  const DecoderModel m = synthetic_decoder(testing::tiny_llama(), 5);
  IntDecoder model(m.config, m.weights);
  const std::vector<int> prompt = {1, 7, 30};
  model.prefill(prompt);
  std::vector<std::int64_t> expected{model.greedy_token()};
  for (int pos = 3; pos < 8; ++pos) {
    model.forward(static_cast<int>(expected.back()), pos);
    expected.push_back(model.greedy_token());
  }
  EXPECT_EQ(greedy_tokens(model, prompt, 6), expected);
  EXPECT_EQ(model.next_position(), 8);
  EXPECT_EQ(greedy_tokens(model, prompt, 1), std::vector<std::int64_t>{expected[0]});
  EXPECT_TRUE(greedy_tokens(model, prompt, 0).empty());
}

TEST(IntDecoder, RejectsTokensAndPositionsOutOfRange) {
  const DecoderModel m = synthetic_decoder(testing::tiny_llama(), 5);
  IntDecoder model(m.config, m.weights);
  const auto message = [&](int token, int pos) {
    try {
      model.forward(token, pos);
    } catch (const core::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(32, 0),
            "decoder tiny: token id 32 is outside the vocabulary [0, 32) of model 'tiny'");
  EXPECT_EQ(message(-1, 0),
            "decoder tiny: token id -1 is outside the vocabulary [0, 32) of model 'tiny'");
  EXPECT_EQ(message(1, 8), "decoder tiny: position 8 outside the context 0..7 (max_seq 8)");
  EXPECT_EQ(message(1, 1), "decoder tiny: position 1 skips positions 0..0 (the cache holds 0..-1)");
  for (int pos = 0; pos < 8; ++pos) model.forward(1, pos);
  EXPECT_EQ(message(1, 8), "decoder tiny: position 8 outside the context 0..7 (max_seq 8)");
}

TEST(IntDecoder, RejectsWeightsOfTheWrongSize) {
  DecoderModel m = synthetic_decoder(testing::tiny_llama(), 5);
  m.weights.layers[1].w2.pop_back();
  try {
    IntDecoder model(m.config, m.weights);
    FAIL() << "no error";
  } catch (const core::Error& e) {
    EXPECT_STREQ(e.what(), "layer 1 w2: 383 values, expected 16 x 24 = 384");
  }
}

// The halves layout rotates (i, i + d/2) where interleaved rotates (2i, 2i+1): a model whose wq
// and wk rows are permuted to match gives exactly the same logits (every scale is per row or
// per head, so the permutation changes no integer).
TEST(IntDecoder, HalvesRopeEqualsInterleavedWithPermutedRows) {
  const DecoderModel m = synthetic_decoder(testing::tiny_llama(), 9);
  DecoderModel h = m;
  h.config.rope = RopeLayout::halves;
  const std::int64_t hd = m.config.head_dim(), dim = m.config.dim;
  const auto permute = [&](std::vector<float>& w, std::int64_t rows) {
    const std::vector<float> src = w;
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t head = r / hd, i = r % hd;
      const std::int64_t to = head * hd + (i % 2 == 0 ? i / 2 : i / 2 + hd / 2);
      std::copy_n(src.begin() + r * dim, dim, w.begin() + to * dim);
    }
  };
  for (DecoderLayerWeights& l : h.weights.layers) {
    permute(l.wq, dim);
    permute(l.wk, m.config.kv_heads * hd);
  }
  IntDecoder a(m.config, m.weights), b(h.config, h.weights);
  for (int pos = 0; pos < 6; ++pos) {
    EXPECT_EQ(a.forward(pos + 3, pos), b.forward(pos + 3, pos)) << pos;
  }
}

}  // namespace
}  // namespace atl::model
