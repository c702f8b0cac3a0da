#include "model/synthetic_decoder.h"

#include <fmt/format.h>

#include <cmath>

#include "core/error.h"
#include "core/random.h"
#include "model/config.h"

namespace atl::model {
namespace {

std::vector<float> normal(core::Rng& rng, std::int64_t n, double mean, double std_dev) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (float& x : v) x = static_cast<float>(mean + std_dev * rng.normal());
  return v;
}

}  // namespace

std::int64_t parameter_count(const DecoderConfig& c) {
  const std::int64_t d = c.dim, h = c.hidden_dim, kv = c.kv_heads * c.head_dim();
  const bool gpt2 = c.architecture == Architecture::gpt2_decoder;
  const std::int64_t norm = c.norm == NormKind::layernorm ? 2 * d : d;
  const std::int64_t bias = gpt2 ? 2 * d + 2 * kv + h + d : 0;
  const std::int64_t ffn = (c.ffn == FfnKind::swiglu ? 3 : 2) * h * d;
  const std::int64_t layer = 2 * norm + 2 * d * d + 2 * kv * d + ffn + bias;
  return c.vocab * d * (c.tied_embeddings ? 1 : 2) + (gpt2 ? c.max_seq * d : 0) + norm +
         c.layers * layer;
}

DecoderModel synthetic_decoder(const DecoderConfig& c, std::uint64_t seed) {
  validate(c, c.name);
  const std::int64_t params = parameter_count(c);
  if (params > kMaxSyntheticParameters) {
    throw core::Error(core::ErrorKind::does_not_fit,
                      fmt::format("model '{}': synthetic weights of {} parameters ({:.1f} GiB of "
                                  "float32) exceed the limit of {} parameters",
                                  c.name, params, static_cast<double>(params) * 4 / (1 << 30),
                                  kMaxSyntheticParameters));
  }
  core::Rng rng(seed);
  const std::int64_t d = c.dim, h = c.hidden_dim, kv = c.kv_heads * c.head_dim();
  const bool gpt2 = c.architecture == Architecture::gpt2_decoder;
  const bool layernorm = c.norm == NormKind::layernorm;
  const double out_gain = 1.0 / std::sqrt(2.0 * static_cast<double>(c.layers));
  auto linear = [&](std::int64_t out, std::int64_t in, double gain = 1.0) {
    return normal(rng, out * in, 0.0, gain / std::sqrt(static_cast<double>(in)));
  };
  auto gain = [&] { return normal(rng, d, 1.0, 0.05); };
  auto bias = [&](std::int64_t n, bool present) {
    return present ? normal(rng, n, 0.0, 0.02) : std::vector<float>{};
  };
  DecoderModel m;
  m.config = c;
  DecoderWeights& w = m.weights;
  w.token_embedding = normal(rng, c.vocab * d, 0.0, 1.0 / std::sqrt(static_cast<double>(d)));
  if (gpt2) w.position_embedding = normal(rng, c.max_seq * d, 0.0, 0.01);
  w.layers.resize(static_cast<std::size_t>(c.layers));
  for (DecoderLayerWeights& l : w.layers) {
    l.attn_norm = gain();
    l.attn_norm_bias = bias(d, layernorm);
    l.wq = linear(d, d);
    l.bq = bias(d, gpt2);
    l.wk = linear(kv, d);
    l.bk = bias(kv, gpt2);
    l.wv = linear(kv, d);
    l.bv = bias(kv, gpt2);
    l.wo = linear(d, d, out_gain);
    l.bo = bias(d, gpt2);
    l.ffn_norm = gain();
    l.ffn_norm_bias = bias(d, layernorm);
    l.w1 = linear(h, d);
    l.b1 = bias(h, gpt2);
    if (c.ffn == FfnKind::swiglu) l.w3 = linear(h, d);
    l.w2 = linear(d, h, out_gain);
    l.b2 = bias(d, gpt2);
  }
  w.final_norm = gain();
  w.final_norm_bias = bias(d, layernorm);
  if (!c.tied_embeddings) w.lm_head = linear(c.vocab, d);
  return m;
}

}  // namespace atl::model
