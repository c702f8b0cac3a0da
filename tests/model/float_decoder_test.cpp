#include "model/float_decoder.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "decoder_files.h"
#include "model/llama2c.h"
#include "model/synthetic_decoder.h"

namespace atl::model {
namespace {

// Greedy decoding (temperature 0) of stories260K from BOS, 200 steps, by karpathy/llama2.c run.c
// (commit 350e04f, gcc -O3 and -O0 alike) given a tokenizer whose piece i is " i", so that it
// prints token ids: docs/decoders.md, "The independent check".
const std::vector<int> kStories260KGreedy = {
    461, 461, 401, 401, 401, 461, 378, 455, 473, 456, 435, 299, 362, 409, 283, 264, 283, 452, 288,
    13,  431, 431, 431, 431, 431, 431, 431, 431, 431, 431, 431, 431, 431, 293, 430, 417, 363, 416,
    315, 342, 418, 424, 400, 442, 402, 303, 266, 299, 374, 466, 396, 303, 271, 362, 390, 469, 306,
    469, 423, 314, 347, 305, 356, 333, 333, 333, 333, 425, 377, 354, 304, 304, 304, 304, 304, 330,
    341, 382, 468, 473, 473, 402, 402, 299, 299, 483, 456, 473, 456, 473, 465, 465, 465, 341, 317,
    436, 363, 454, 315, 377, 360, 408, 472, 453, 327, 316, 266, 417, 277, 299, 369, 283, 266, 417,
    264, 277, 277, 277, 439, 456, 407, 407, 309, 341, 436, 330, 466, 377, 422, 436, 472, 465, 466,
    407, 407, 407, 407, 407, 465, 466, 473, 330, 330, 386, 431, 304, 304, 472, 453, 380, 299, 299,
    483, 475, 452, 477, 295, 412, 302, 330, 275, 377, 271, 341, 438, 452, 287, 302, 341, 438, 303,
    303, 303, 283, 266, 417, 277, 277, 277, 409, 281, 303, 303, 462, 402, 402, 402, 402, 299, 299,
    277, 333, 333, 333, 333, 333, 299, 299, 299, 292};

TEST(FloatDecoder, ReproducesLlama2cGreedyDecodingOfStories260K) {
  if (!std::filesystem::exists(testing::stories260k())) {
    GTEST_SKIP() << "no " << testing::stories260k() << " (../shared absent)";
  }
  FloatDecoder decoder(load_llama2c(testing::stories260k()));
  ASSERT_EQ(kStories260KGreedy.size(), 200u);
  int token = 1;  // BOS
  std::vector<int> got;
  for (int pos = 0; pos < 200; ++pos) {
    token = argmax(decoder.forward(token, pos));
    got.push_back(token);
  }
  EXPECT_EQ(got, kStories260KGreedy);
}

TEST(FloatDecoder, RefeedingAPositionRecomputesFromThere) {
  FloatDecoder decoder(synthetic_decoder(testing::tiny_llama(), 3));
  decoder.forward(1, 0);
  const std::vector<float> a = decoder.forward(5, 1);
  decoder.forward(7, 2);
  EXPECT_EQ(decoder.positions(), 3);
  EXPECT_EQ(decoder.forward(5, 1), a);
  EXPECT_EQ(decoder.positions(), 2);
  decoder.reset();
  EXPECT_EQ(decoder.positions(), 0);
}

TEST(FloatDecoder, RejectsTokensAndPositionsOutOfRange) {
  FloatDecoder decoder(synthetic_decoder(testing::tiny_gpt2(), 3));
  auto message = [&](int token, int pos) {
    try {
      decoder.forward(token, pos);
    } catch (const core::Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(32, 0),
            "model 'tiny': token id 32 is outside the vocabulary [0, 32) of model 'tiny'");
  EXPECT_EQ(message(-1, 0),
            "model 'tiny': token id -1 is outside the vocabulary [0, 32) of model 'tiny'");
  EXPECT_EQ(message(1, 1),
            "model 'tiny': position 1 is outside [0, 0] (positions fed so far; context 8)");
  for (int pos = 0; pos < 8; ++pos) decoder.forward(1, pos);
  EXPECT_EQ(message(1, 8),
            "model 'tiny': position 8 is outside [0, 7] (positions fed so far; context 8)");
}

TEST(FloatDecoder, ArgmaxTakesTheFirstOfEqualMaxima) {
  EXPECT_EQ(argmax({0.5f, 2.0f, -1.0f, 2.0f}), 1);
  EXPECT_EQ(argmax({3.0f}), 0);
}

}  // namespace
}  // namespace atl::model
