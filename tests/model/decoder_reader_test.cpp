// Calibration one piece at a time (DecoderWeightReader, decoder_model.h): the readers of the
// loaders hand out exactly the weights the whole-model loaders give, and the integer model built
// from a reader is bit for bit the one built from the whole weights, the one of before the
// readers existed (pinned hashes of its logits).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "decoder_files.h"
#include "model/config.h"
#include "model/int_decoder.h"
#include "model/llama2c.h"
#include "model/synthetic_decoder.h"

namespace atl::model {
namespace {

// FNV-1a over the bits of the integer model's logits at positions 0..steps-1 (token 1, then
// the integer model's own greedy tokens).
std::uint64_t logits_hash(IntDecoder& model, int steps) {
  std::uint64_t h = 14695981039346656037ull;
  int token = 1;
  for (int pos = 0; pos < steps; ++pos) {
    for (float v : model.forward(token, pos)) {
      std::uint32_t bits = 0;
      std::memcpy(&bits, &v, 4);
      h = (h ^ bits) * 1099511628211ull;
    }
    token = model.greedy_token();
  }
  return h;
}

// testing::small with the Llama's embeddings untied (GPT-2 ties them).
DecoderConfig small(DecoderConfig c) {
  c = testing::small(c);
  c.tied_embeddings = c.architecture == Architecture::gpt2_decoder;
  return c;
}

bool same(const DecoderModel& a, const DecoderModel& b) {
  if (a.weights.layers.size() != b.weights.layers.size()) return false;
  const DecoderWeights &x = a.weights, &y = b.weights;
  for (std::size_t i = 0; i < x.layers.size(); ++i) {
    const DecoderLayerWeights &p = x.layers[i], &q = y.layers[i];
    if (p.attn_norm != q.attn_norm || p.attn_norm_bias != q.attn_norm_bias || p.wq != q.wq ||
        p.bq != q.bq || p.wk != q.wk || p.bk != q.bk || p.wv != q.wv || p.bv != q.bv ||
        p.wo != q.wo || p.bo != q.bo || p.ffn_norm != q.ffn_norm ||
        p.ffn_norm_bias != q.ffn_norm_bias || p.w1 != q.w1 || p.b1 != q.b1 || p.w3 != q.w3 ||
        p.w2 != q.w2 || p.b2 != q.b2) {
      return false;
    }
  }
  return x.token_embedding == y.token_embedding && x.position_embedding == y.position_embedding &&
         x.final_norm == y.final_norm && x.final_norm_bias == y.final_norm_bias &&
         x.lm_head == y.lm_head;
}

// The logit hashes of the integer model of commit 90cbed8 (whole float weights in memory), with
// the synthetic weights drawn in order (synthetic_decoder) and the llama2.c file read whole: the
// readers, which generate each layer from a positioned generator or seek to each tensor, give
// the same weights and the integer model built from them is bit for bit the same.
TEST(DecoderReader, IntegerModelFromReadersIsTheOneOfBefore) {
  for (const auto& [config, hash] :
       {std::pair{small(testing::tiny_llama()), 1728858096272643493ull},
        std::pair{small(testing::tiny_gpt2()), 973402868944469765ull}}) {
    const DecoderModel whole = synthetic_decoder(config, 12);
    const DecoderWeightReader reader = synthetic_reader(config, 12);
    EXPECT_TRUE(same(read_all(reader), whole)) << to_string(config.architecture);
    IntDecoder a(whole.config, whole.weights), b(reader);
    EXPECT_EQ(logits_hash(a, 40), hash);
    EXPECT_EQ(logits_hash(b, 40), hash);
  }
  if (!std::filesystem::exists(testing::stories260k())) {
    GTEST_SKIP() << "no " << testing::stories260k() << " (../shared absent)";
  }
  const DecoderModel whole = load_llama2c(testing::stories260k());
  const DecoderWeightReader reader = open_llama2c(testing::stories260k());
  EXPECT_TRUE(same(read_all(reader), whole));
  IntDecoder a(whole.config, whole.weights), b(reader);
  EXPECT_EQ(logits_hash(a, 100), 9347081689055672909ull);
  EXPECT_EQ(logits_hash(b, 100), 9347081689055672909ull);
}

// A separate classifier is read from the end of a llama2.c file; pieces come in any order and
// again; a bad value is reported when its layer is read, naming the file and the tensor.
TEST(DecoderReader, Llama2cReaderSeeksToEachPiece) {
  DecoderConfig c = testing::tiny_llama();
  c.tied_embeddings = false;
  DecoderModel m = synthetic_decoder(c, 4);
  const auto path = testing::scratch("reader.bin");
  testing::write_bytes(path, llama2c_image(m));
  const DecoderWeightReader r = open_llama2c(path);
  EXPECT_EQ(r.config.name, "atoll_decoder_test_reader");
  EXPECT_EQ(r.part(WeightPart::lm_head), m.weights.lm_head);
  EXPECT_EQ(r.layer(1).w3, m.weights.layers[1].w3);
  EXPECT_EQ(r.layer(0).wq, m.weights.layers[0].wq);
  EXPECT_EQ(r.part(WeightPart::final_norm), m.weights.final_norm);
  EXPECT_TRUE(r.part(WeightPart::position_embedding).empty());
  // layers.1.w2[5]: after the embedding and the layers' attn_norm, wq, wk, wv, wo, ffn_norm,
  // w1 arrays and layer 0's w2.
  const std::int64_t d = c.dim, h = c.hidden_dim, kv = c.kv_heads * c.head_dim();
  const std::int64_t before = c.vocab * d + c.layers * (d + 2 * d * d + 2 * kv * d + d + h * d);
  std::vector<std::uint8_t> image = llama2c_image(m);
  const float inf = std::numeric_limits<float>::infinity();
  std::memcpy(image.data() + kLlama2cHeaderBytes + 4 * (before + d * h + 5), &inf, 4);
  testing::write_bytes(path, image);
  const DecoderWeightReader bad = open_llama2c(path);
  EXPECT_EQ(bad.layer(0).w2, m.weights.layers[0].w2);
  try {
    bad.layer(1);
    ADD_FAILURE() << "no error";
  } catch (const core::Error& e) {
    EXPECT_EQ(std::string(e.what()),
              path.string() + ": tensor 'layers.1.w2' holds a non-finite value at element 5");
  }
  std::filesystem::remove(path);
}

// The synthetic reader positions the generator at each piece: any piece alone equals the piece
// of the model drawn in order.
TEST(DecoderReader, SyntheticReaderGivesAnyPieceAlone) {
  const DecoderConfig c = testing::tiny_gpt2();
  const DecoderModel m = synthetic_decoder(c, 9);
  const DecoderWeightReader r = synthetic_reader(c, 9);
  EXPECT_EQ(r.part(WeightPart::final_norm_bias), m.weights.final_norm_bias);
  EXPECT_EQ(r.layer(1).b2, m.weights.layers[1].b2);
  EXPECT_EQ(r.part(WeightPart::position_embedding), m.weights.position_embedding);
  EXPECT_TRUE(r.part(WeightPart::lm_head).empty());  // tied
  DecoderConfig big = c;
  big.vocab = std::int64_t{1} << 20;
  big.dim = 4096;
  big.heads = 4;
  big.kv_heads = 4;
  EXPECT_THROW(synthetic_reader(big, 1), core::Error);  // above kMaxSyntheticParameters
}

}  // namespace
}  // namespace atl::model
