#include "model/float_decoder.h"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "core/error.h"
#include "kernels/vectorize.h"
#include "model/config.h"

namespace atl::model {
namespace {

// y[o] = sum_i w[o * in + i] * x[i] (+ b[o]), accumulated in float32 in index order.
void matvec(std::vector<float>& y, const std::vector<float>& w, const std::vector<float>& b,
            const std::vector<float>& x, std::int64_t out, std::int64_t in) {
  y.resize(static_cast<std::size_t>(out));
  const float* wp = w.data();
  const float* xp = x.data();
#pragma omp parallel for schedule(static) if (out * in >= kernels::kMinParallelElements)
  for (std::int64_t o = 0; o < out; ++o) {
    const float* row = wp + o * in;
    float acc = 0.0f;
    for (std::int64_t i = 0; i < in; ++i) acc += row[i] * xp[i];
    y[static_cast<std::size_t>(o)] = b.empty() ? acc : acc + b[static_cast<std::size_t>(o)];
  }
}

// RMSNorm (Zhang & Sennrich 2019; llama2.c run.c): y = g * (x / sqrt(mean(x^2) + eps)).
// LayerNorm (Ba et al. 2016; GPT-2): y = g * (x - mean) / sqrt(var + eps) + b, var biased.
void normalise(std::vector<float>& y, const std::vector<float>& x, const std::vector<float>& g,
               const std::vector<float>& b, const DecoderConfig& c) {
  const std::size_t n = x.size();
  y.resize(n);
  if (c.norm == NormKind::rmsnorm) {
    float ss = 0.0f;
    for (float v : x) ss += v * v;
    ss /= static_cast<float>(n);
    ss += c.norm_eps;
    const float inv = 1.0f / std::sqrt(ss);
    for (std::size_t i = 0; i < n; ++i) y[i] = g[i] * (inv * x[i]);
    return;
  }
  float mean = 0.0f;
  for (float v : x) mean += v;
  mean /= static_cast<float>(n);
  float var = 0.0f;
  for (float v : x) var += (v - mean) * (v - mean);
  var /= static_cast<float>(n);
  const float inv = 1.0f / std::sqrt(var + c.norm_eps);
  for (std::size_t i = 0; i < n; ++i) y[i] = (x[i] - mean) * inv * g[i] + b[i];
}

// Rotary position embedding (Su et al. 2021) of one head of size hs at position pos: pair j
// (j < hs/2) rotates by pos * theta^(-2j/hs). Interleaved: elements (2j, 2j+1) (llama2.c,
// Meta's Llama); halves: elements (j, j + hs/2) (Hugging Face Llama's rotate_half).
void rope(float* v, std::int64_t hs, int pos, const DecoderConfig& c) {
  for (std::int64_t j = 0; j < hs / 2; ++j) {
    const float freq =
        1.0f / std::pow(c.rope_theta, static_cast<float>(2 * j) / static_cast<float>(hs));
    const float angle = static_cast<float>(pos) * freq;
    const float cr = std::cos(angle), ci = std::sin(angle);
    float* a = c.rope == RopeLayout::interleaved ? v + 2 * j : v + j;
    float* b = c.rope == RopeLayout::interleaved ? v + 2 * j + 1 : v + j + hs / 2;
    const float a0 = *a, b0 = *b;
    *a = a0 * cr - b0 * ci;
    *b = a0 * ci + b0 * cr;
  }
}

// SiLU (Elfwing et al. 2017; Llama's SwiGLU gate): z / (1 + e^-z).
float silu(float z) {
  return z * (1.0f / (1.0f + std::exp(-z)));
}

// GPT-2's GELU, the tanh form (Hendrycks & Gimpel 2016; openai/gpt-2 model.py `gelu`,
// Hugging Face "gelu_new"): 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))).
float gelu_tanh(float z) {
  const float k = static_cast<float>(std::sqrt(2.0 / std::numbers::pi));
  return 0.5f * z * (1.0f + std::tanh(k * (z + 0.044715f * z * z * z)));
}

}  // namespace

FloatDecoder::FloatDecoder(DecoderModel model) : model_(std::move(model)) {
  validate(model_, model_.config.name);
  k_cache_.resize(static_cast<std::size_t>(model_.config.layers));
  v_cache_.resize(static_cast<std::size_t>(model_.config.layers));
}

std::vector<float> FloatDecoder::forward(int token, int pos) {
  const DecoderConfig& c = model_.config;
  const DecoderWeights& w = model_.weights;
  validate_token(c, token, fmt::format("model '{}'", c.name));
  if (pos < 0 || pos > filled_ || pos >= c.max_seq) {
    throw core::Error(
        fmt::format("model '{}': position {} is outside [0, {}] (positions fed so far; context {})",
                    c.name, pos, std::min<std::int64_t>(filled_, c.max_seq - 1), c.max_seq));
  }
  const std::int64_t d = c.dim, hs = c.head_dim(), kv_dim = c.kv_heads * hs;
  const std::int64_t group = c.heads / c.kv_heads;
  const auto ud = static_cast<std::size_t>(d);
  std::vector<float> x(w.token_embedding.begin() + token * d,
                       w.token_embedding.begin() + (token + 1) * d);
  if (!w.position_embedding.empty()) {
    for (std::size_t i = 0; i < ud; ++i) x[i] += w.position_embedding[pos * ud + i];
  }
  std::vector<float> xn, q, k, v, att(static_cast<std::size_t>(pos + 1)), ctx(ud), y, h1, h3;
  for (std::size_t l = 0; l < w.layers.size(); ++l) {
    const DecoderLayerWeights& lw = w.layers[l];
    // Attention block: x += wo * attention(norm(x)).
    normalise(xn, x, lw.attn_norm, lw.attn_norm_bias, c);
    matvec(q, lw.wq, lw.bq, xn, d, d);
    matvec(k, lw.wk, lw.bk, xn, kv_dim, d);
    matvec(v, lw.wv, lw.bv, xn, kv_dim, d);
    if (c.architecture == Architecture::llama_decoder) {
      for (std::int64_t h = 0; h < c.heads; ++h) rope(q.data() + h * hs, hs, pos, c);
      for (std::int64_t h = 0; h < c.kv_heads; ++h) rope(k.data() + h * hs, hs, pos, c);
    }
    std::vector<float>& kc = k_cache_[l];
    std::vector<float>& vc = v_cache_[l];
    kc.resize(static_cast<std::size_t>((pos + 1) * kv_dim));
    vc.resize(kc.size());
    std::copy(k.begin(), k.end(), kc.begin() + pos * kv_dim);
    std::copy(v.begin(), v.end(), vc.begin() + pos * kv_dim);
    for (std::int64_t h = 0; h < c.heads; ++h) {
      const float* qh = q.data() + h * hs;
      const std::int64_t kvh = (h / group) * hs;  // query head h reads K/V head h / group
      float max = -INFINITY;
      for (int t = 0; t <= pos; ++t) {
        const float* kt = kc.data() + t * kv_dim + kvh;
        float s = 0.0f;
        for (std::int64_t i = 0; i < hs; ++i) s += qh[i] * kt[i];
        s /= std::sqrt(static_cast<float>(hs));
        att[static_cast<std::size_t>(t)] = s;
        max = std::max(max, s);
      }
      float sum = 0.0f;
      for (int t = 0; t <= pos; ++t) {
        float& a = att[static_cast<std::size_t>(t)];
        a = std::exp(a - max);
        sum += a;
      }
      for (int t = 0; t <= pos; ++t) att[static_cast<std::size_t>(t)] /= sum;
      float* out = ctx.data() + h * hs;
      std::fill(out, out + hs, 0.0f);
      for (int t = 0; t <= pos; ++t) {
        const float* vt = vc.data() + t * kv_dim + kvh;
        const float a = att[static_cast<std::size_t>(t)];
        for (std::int64_t i = 0; i < hs; ++i) out[i] += a * vt[i];
      }
    }
    matvec(y, lw.wo, lw.bo, ctx, d, d);
    for (std::size_t i = 0; i < ud; ++i) x[i] += y[i];
    // FFN block: x += w2 * f(norm(x)).
    normalise(xn, x, lw.ffn_norm, lw.ffn_norm_bias, c);
    matvec(h1, lw.w1, lw.b1, xn, c.hidden_dim, d);
    if (c.ffn == FfnKind::swiglu) {
      matvec(h3, lw.w3, {}, xn, c.hidden_dim, d);
      for (std::size_t i = 0; i < h1.size(); ++i) h1[i] = silu(h1[i]) * h3[i];
    } else {
      for (float& z : h1) z = gelu_tanh(z);
    }
    matvec(y, lw.w2, lw.b2, h1, d, c.hidden_dim);
    for (std::size_t i = 0; i < ud; ++i) x[i] += y[i];
  }
  normalise(xn, x, w.final_norm, w.final_norm_bias, c);
  std::vector<float> logits;
  matvec(logits, c.tied_embeddings ? w.token_embedding : w.lm_head, {}, xn, c.vocab, d);
  filled_ = pos + 1;
  return logits;
}

int argmax(const std::vector<float>& logits) {
  int best = 0;
  for (std::size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > logits[static_cast<std::size_t>(best)]) best = static_cast<int>(i);
  }
  return best;
}

}  // namespace atl::model
