#include "model/llama2c.h"

#include <gtest/gtest.h>

#include <cstring>

#include "core/error.h"
#include "decoder_files.h"
#include "model/synthetic_decoder.h"

namespace atl::model {
namespace {

using testing::scratch;
using testing::tiny_llama;
using testing::write_bytes;

std::string error_of(const std::vector<std::uint8_t>& bytes) {
  try {
    parse_llama2c(bytes, "x.bin");
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::invalid_input);
    return e.what();
  }
  return "no error";
}

TEST(Llama2c, ReadsStories260K) {
  if (!std::filesystem::exists(testing::stories260k())) {
    GTEST_SKIP() << "no " << testing::stories260k() << " (../shared absent)";
  }
  const DecoderModel m = load_llama2c(testing::stories260k());
  EXPECT_EQ(m.config.name, "stories260K");
  EXPECT_EQ(m.config.dim, 64);
  EXPECT_EQ(m.config.hidden_dim, 172);
  EXPECT_EQ(m.config.layers, 5);
  EXPECT_EQ(m.config.heads, 8);
  EXPECT_EQ(m.config.kv_heads, 4);
  EXPECT_EQ(m.config.vocab, 512);
  EXPECT_EQ(m.config.max_seq, 512);
  EXPECT_TRUE(m.config.tied_embeddings);
  EXPECT_EQ(m.weights.layers[4].wk.size(), 32u * 64u);
  EXPECT_TRUE(m.weights.lm_head.empty());
  // The first float after the header, and the last of the final RMSNorm (bytes 28.. of the file).
  std::ifstream in(testing::stories260k(), std::ios::binary);
  float first = 0;
  in.seekg(28);
  in.read(reinterpret_cast<char*>(&first), 4);
  EXPECT_EQ(m.weights.token_embedding[0], first);
}

TEST(Llama2c, RoundTripsTiedAndSeparateClassifier) {
  for (bool tied : {true, false}) {
    DecoderConfig c = tiny_llama();
    c.tied_embeddings = tied;
    const DecoderModel m = synthetic_decoder(c, 7);
    const std::vector<std::uint8_t> image = llama2c_image(m);
    // 28 header bytes + floats: 32*16 embedding, 2 layers of (2*16 + 2*256 + 2*128 + 3*384),
    // 16 final norm, 8*4 RoPE tables, 32*16 classifier when separate.
    EXPECT_EQ(image.size(), 28u + 4u * (512 + 2 * 1952 + 16 + 32 + (tied ? 0 : 512)));
    std::int32_t vocab = 0;
    std::memcpy(&vocab, image.data() + 20, 4);
    EXPECT_EQ(vocab, tied ? 32 : -32);
    const auto path = scratch(tied ? "tied.bin" : "separate.bin");
    write_bytes(path, image);
    const DecoderModel back = load_llama2c(path);
    EXPECT_EQ(back.config.tied_embeddings, tied);
    EXPECT_EQ(back.weights.token_embedding, m.weights.token_embedding);
    EXPECT_EQ(back.weights.lm_head, m.weights.lm_head);
    EXPECT_EQ(back.weights.layers[1].w3, m.weights.layers[1].w3);
    EXPECT_EQ(back.weights.layers[0].wk, m.weights.layers[0].wk);
    EXPECT_EQ(back.weights.final_norm, m.weights.final_norm);
    std::filesystem::remove(path);
  }
}

TEST(Llama2c, RejectsTruncatedAndOversizedFiles) {
  const std::vector<std::uint8_t> image = llama2c_image(synthetic_decoder(tiny_llama(), 1));
  EXPECT_EQ(error_of({image.begin(), image.begin() + 10}),
            "x.bin: llama2.c header of 28 bytes is truncated (file has 10 bytes)");
  std::vector<std::uint8_t> cut(image.begin(), image.end() - 4);
  EXPECT_EQ(error_of(cut),
            "x.bin: llama2.c header (dim 16, hidden_dim 24, n_layers 2, n_heads 4, n_kv_heads 2, "
            "vocab_size 32, seq_len 8) needs a file of 17884 bytes, the file has 17880");
  std::vector<std::uint8_t> longer = image;
  longer.push_back(0);
  EXPECT_NE(error_of(longer).find("needs a file of 17884 bytes, the file has 17885"),
            std::string::npos);
  // The same through the file reader, which checks the size before reading the weights.
  const auto path = scratch("cut.bin");
  write_bytes(path, cut);
  EXPECT_THROW(load_llama2c(path), core::Error);
  std::filesystem::remove(path);
}

TEST(Llama2c, RejectsBadHeaderFields) {
  const std::vector<std::uint8_t> image = llama2c_image(synthetic_decoder(tiny_llama(), 1));
  auto with = [&](int field, std::int32_t v) {
    std::vector<std::uint8_t> b = image;
    std::memcpy(b.data() + 4 * field, &v, 4);
    return error_of(b);
  };
  EXPECT_EQ(with(0, 0), "x.bin: llama2.c header field dim is 0, expected 1 to 32768");
  EXPECT_EQ(with(2, -3), "x.bin: llama2.c header field n_layers is -3, expected 1 to 1024");
  EXPECT_EQ(with(5, 1 << 30),
            "x.bin: llama2.c header field vocab_size is 1073741824, expected 1 to 1048576");
  EXPECT_EQ(with(4, 3), "x.bin: llama2.c header: heads (4) must be a multiple of kv_heads (3)");
  EXPECT_EQ(with(3, 5), "x.bin: llama2.c header: hidden (16) must be a multiple of heads (5)");
  EXPECT_EQ(with(3, 16),
            "x.bin: llama2.c header: head size hidden/heads (1) must be even: RoPE rotates pairs");
  // A header that is valid but larger than the file: caught before any weight is read.
  EXPECT_NE(with(6, 1 << 20).find("needs a file of"), std::string::npos);
}

TEST(Llama2c, RejectsNonFiniteWeights) {
  std::vector<std::uint8_t> image = llama2c_image(synthetic_decoder(tiny_llama(), 1));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(image.data() + 28 + 4 * 5, &nan, 4);
  EXPECT_EQ(error_of(image),
            "x.bin: tensor 'token_embedding' holds a non-finite value at element 5");
}

}  // namespace
}  // namespace atl::model
