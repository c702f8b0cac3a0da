#include "model/int_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "core/error.h"
#include "decoder_files.h"
#include "model/llama2c.h"
#include "model/synthetic_decoder.h"

namespace atl::model {
namespace {

// A plain float32 forward of a llama2.c model (run.c's arithmetic), for measuring only.
class FloatLlama {
 public:
  FloatLlama(const DecoderConfig& c, const DecoderWeights& w)
      : c_(c), w_(w), k_(c.layers * c.max_seq * c.kv_heads * c.head_dim()), v_(k_.size()) {}

  std::vector<float> forward(std::int64_t token, std::int64_t pos) {
    const std::int64_t dim = c_.dim, hd = c_.head_dim(), kvd = c_.kv_heads * hd;
    std::vector<float> x(w_.token_embedding.begin() + token * dim,
                         w_.token_embedding.begin() + (token + 1) * dim);
    std::vector<float> xb(dim), q(dim), att(dim), h1(c_.hidden_dim), h3(c_.hidden_dim);
    for (std::int64_t l = 0; l < c_.layers; ++l) {
      const DecoderLayerWeights& L = w_.layers[l];
      rmsnorm(x, L.attn_norm, xb);
      float* kc = k_.data() + (l * c_.max_seq + pos) * kvd;
      float* vc = v_.data() + (l * c_.max_seq + pos) * kvd;
      matmul(L.wq, xb.data(), dim, dim, q.data());
      matmul(L.wk, xb.data(), kvd, dim, kc);
      matmul(L.wv, xb.data(), kvd, dim, vc);
      for (std::int64_t i = 0; i < dim; i += 2) {
        const float freq = 1.0f / std::pow(c_.rope_theta, static_cast<float>(i % hd) / hd);
        const float val = pos * freq, fcr = std::cos(val), fci = std::sin(val);
        for (int which = 0; which < (i < kvd ? 2 : 1); ++which) {
          float* vec = which == 0 ? q.data() : kc;
          const float a = vec[i], b = vec[i + 1];
          vec[i] = a * fcr - b * fci;
          vec[i + 1] = a * fci + b * fcr;
        }
      }
      for (std::int64_t h = 0; h < c_.heads; ++h) {
        const std::int64_t kh = h / (c_.heads / c_.kv_heads);
        std::vector<float> s(pos + 1);
        for (std::int64_t t = 0; t <= pos; ++t) {
          const float* kt = k_.data() + (l * c_.max_seq + t) * kvd + kh * hd;
          float d = 0;
          for (std::int64_t i = 0; i < hd; ++i) d += q[h * hd + i] * kt[i];
          s[t] = d / std::sqrt(static_cast<float>(hd));
        }
        const float mx = *std::max_element(s.begin(), s.end());
        float sum = 0;
        for (float& e : s) sum += (e = std::exp(e - mx));
        for (std::int64_t i = 0; i < hd; ++i) att[h * hd + i] = 0;
        for (std::int64_t t = 0; t <= pos; ++t) {
          const float* vt = v_.data() + (l * c_.max_seq + t) * kvd + kh * hd;
          for (std::int64_t i = 0; i < hd; ++i) att[h * hd + i] += s[t] / sum * vt[i];
        }
      }
      matmul(L.wo, att.data(), dim, dim, xb.data());
      for (std::int64_t i = 0; i < dim; ++i) x[i] += xb[i];
      rmsnorm(x, L.ffn_norm, xb);
      matmul(L.w1, xb.data(), c_.hidden_dim, dim, h1.data());
      matmul(L.w3, xb.data(), c_.hidden_dim, dim, h3.data());
      for (std::int64_t i = 0; i < c_.hidden_dim; ++i) {
        h1[i] = h1[i] / (1.0f + std::exp(-h1[i])) * h3[i];
      }
      matmul(L.w2, h1.data(), dim, c_.hidden_dim, xb.data());
      for (std::int64_t i = 0; i < dim; ++i) x[i] += xb[i];
    }
    rmsnorm(x, w_.final_norm, xb);
    std::vector<float> logits(c_.vocab);
    matmul(w_.token_embedding, xb.data(), c_.vocab, dim, logits.data());
    return logits;
  }

 private:
  void rmsnorm(const std::vector<float>& x, const std::vector<float>& g, std::vector<float>& o) {
    float ss = 0;
    for (float v : x) ss += v * v;
    ss = 1.0f / std::sqrt(ss / x.size() + 1e-5f);
    for (std::size_t i = 0; i < x.size(); ++i) o[i] = g[i] * (ss * x[i]);
  }
  static void matmul(const std::vector<float>& w, const float* x, std::int64_t out, std::int64_t in,
                     float* y) {
    for (std::int64_t o = 0; o < out; ++o) {
      float s = 0;
      for (std::int64_t i = 0; i < in; ++i) s += w[o * in + i] * x[i];
      y[o] = s;
    }
  }
  DecoderConfig c_;
  const DecoderWeights& w_;
  std::vector<float> k_, v_;
};

std::int64_t argmax(const std::vector<float>& v) {
  return std::max_element(v.begin(), v.end()) - v.begin();
}

struct Agreement {
  int agree = 0, steps = 0;
  double mean_abs_error = 0;
};

// Teacher forcing on the float model's greedy tokens from BOS (token 1): 199 steps.
Agreement measure(const DecoderModel& m, IntDecoder& model, std::vector<std::int64_t>* tokens_out) {
  FloatLlama ref(m.config, m.weights);
  std::vector<std::int64_t> tokens = {1};
  std::vector<std::vector<float>> ref_logits;
  for (std::int64_t pos = 0; pos < 199; ++pos) {
    ref_logits.push_back(ref.forward(tokens.back(), pos));
    tokens.push_back(argmax(ref_logits.back()));
  }
  Agreement a;
  model.reset();
  double err = 0;
  for (std::int64_t pos = 0; pos < 199; ++pos) {
    const std::vector<float> logits = model.forward(tokens[pos], pos);
    a.agree += argmax(logits) == argmax(ref_logits[pos]);
    ++a.steps;
    for (std::size_t i = 0; i < logits.size(); ++i)
      err += std::fabs(logits[i] - ref_logits[pos][i]);
  }
  a.mean_abs_error = err / (199.0 * m.config.vocab);
  if (tokens_out != nullptr) *tokens_out = tokens;
  return a;
}

TEST(IntDecoder, Stories260kAgreesWithFloat) {
  if (!std::filesystem::exists(testing::stories260k())) {
    GTEST_SKIP() << "no " << testing::stories260k() << " (../shared absent)";
  }
  const DecoderModel m = load_llama2c(testing::stories260k());
  IntDecoder model(m.config, m.weights);
  std::vector<std::int64_t> tokens;
  const Agreement dyn = measure(m, model, &tokens);
  std::printf("per-token: agreement %d of %d, mean |logit error| %.5f\n", dyn.agree, dyn.steps,
              dyn.mean_abs_error);
  model.calibrate_static_scales(std::span<const std::int64_t>(tokens).first(199));
  const Agreement st = measure(m, model, nullptr);
  std::printf("per-tensor: agreement %d of %d, mean |logit error| %.5f\n", st.agree, st.steps,
              st.mean_abs_error);
  // Pinned (docs/decoders-integer.md): int8 quantisation of a 64-wide model limits agreement,
  // per-token scales beat per-tensor ones.
  EXPECT_EQ(dyn.agree, 168);
  EXPECT_EQ(st.agree, 158);
  EXPECT_NEAR(dyn.mean_abs_error, 0.395, 0.001);
  EXPECT_NEAR(st.mean_abs_error, 0.677, 0.001);
}

TEST(IntDecoder, PrefillAndResetRepeatTheSameLogits) {
  const DecoderModel m = synthetic_decoder(testing::tiny_llama(), 5);
  IntDecoder model(m.config, m.weights);
  const std::vector<std::int64_t> tokens = {1, 7, 30, 2};
  std::vector<float> last;
  for (std::int64_t pos = 0; pos < 4; ++pos) last = model.forward(tokens[pos], pos);
  EXPECT_EQ(model.next_position(), 4);
  model.reset();
  EXPECT_EQ(model.prefill(tokens), last);
  // Re-running position 2 overwrites the cache from there on.
  model.forward(30, 2);
  EXPECT_EQ(model.forward(2, 3), last);
}

TEST(IntDecoder, RejectsTokensAndPositionsOutOfRange) {
  const DecoderModel m = synthetic_decoder(testing::tiny_llama(), 5);
  IntDecoder model(m.config, m.weights);
  const auto message = [&](std::int64_t token, std::int64_t pos) {
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
  for (std::int64_t pos = 0; pos < 8; ++pos) model.forward(1, pos);
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
  for (std::int64_t pos = 0; pos < 6; ++pos) {
    EXPECT_EQ(a.forward(pos + 3, pos), b.forward(pos + 3, pos)) << pos;
  }
}

}  // namespace
}  // namespace atl::model
