#include "model/synthetic_decoder.h"

#include <fmt/format.h>

#include <array>
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

namespace {

void check_size(const DecoderConfig& c) {
  validate(c, c.name);
  const std::int64_t params = parameter_count(c);
  if (params > kMaxSyntheticParameters) {
    throw core::Error(core::ErrorKind::does_not_fit,
                      fmt::format("model '{}': synthetic weights of {} parameters ({:.1f} GiB of "
                                  "float32) exceed the limit of {} parameters",
                                  c.name, params, static_cast<double>(params) * 4 / (1 << 30),
                                  kMaxSyntheticParameters));
  }
}

// The draws, in their fixed order: token embedding, position embedding, layers 0.., final norm
// and its bias, LM head. Absent tensors draw nothing.
struct Draw {
  const DecoderConfig& c;
  core::Rng& rng;

  std::vector<float> part(WeightPart p) {
    const std::int64_t n = part_size(c, p);
    switch (p) {
      case WeightPart::token_embedding:
        return normal(rng, n, 0.0, 1.0 / std::sqrt(static_cast<double>(c.dim)));
      case WeightPart::position_embedding:
        return normal(rng, n, 0.0, 0.01);
      case WeightPart::final_norm:
        return normal(rng, n, 1.0, 0.05);
      case WeightPart::final_norm_bias:
        return normal(rng, n, 0.0, 0.02);
      case WeightPart::lm_head:
        return normal(rng, n, 0.0, 1.0 / std::sqrt(static_cast<double>(c.dim)));
    }
    return {};
  }

  DecoderLayerWeights layer() {
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
    DecoderLayerWeights l;
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
    return l;
  }
};

// The generator positioned after `normals` draws of core::Rng(seed): Rng is splitmix64, whose
// state advances by one constant per next(), and normal() takes two next() calls, so the state
// is seed + 2 normals constant (synthetic_reader's test checks it against drawing in order).
core::Rng rng_after(std::uint64_t seed, std::int64_t normals) {
  return core::Rng(seed + 2 * static_cast<std::uint64_t>(normals) * 0x9e3779b97f4a7c15ull);
}

}  // namespace

DecoderModel synthetic_decoder(const DecoderConfig& c, std::uint64_t seed) {
  check_size(c);
  core::Rng rng(seed);
  Draw draw{c, rng};
  DecoderModel m;
  m.config = c;
  DecoderWeights& w = m.weights;
  w.token_embedding = draw.part(WeightPart::token_embedding);
  w.position_embedding = draw.part(WeightPart::position_embedding);
  for (std::int64_t i = 0; i < c.layers; ++i) w.layers.push_back(draw.layer());
  w.final_norm = draw.part(WeightPart::final_norm);
  w.final_norm_bias = draw.part(WeightPart::final_norm_bias);
  w.lm_head = draw.part(WeightPart::lm_head);
  return m;
}

DecoderWeightReader synthetic_reader(const DecoderConfig& c, std::uint64_t seed) {
  check_size(c);
  // Normals drawn before each piece, in the order synthetic_decoder draws them.
  DecoderConfig no_layers = c;  // parameter_count counts exactly the draws
  no_layers.layers = 0;
  const std::int64_t per_layer = (parameter_count(c) - parameter_count(no_layers)) / c.layers;
  std::array<std::int64_t, 5> start{};  // by WeightPart
  std::int64_t at = 0;
  for (WeightPart p : {WeightPart::token_embedding, WeightPart::position_embedding}) {
    start[static_cast<std::size_t>(p)] = at;
    at += part_size(c, p);
  }
  const std::int64_t first_layer = at;
  at += c.layers * per_layer;
  for (WeightPart p : {WeightPart::final_norm, WeightPart::final_norm_bias, WeightPart::lm_head}) {
    start[static_cast<std::size_t>(p)] = at;
    at += part_size(c, p);
  }
  DecoderWeightReader r;
  r.config = c;
  r.layer = [c, seed, per_layer, first_layer](std::int64_t i) {
    core::Rng rng = rng_after(seed, first_layer + i * per_layer);
    return Draw{c, rng}.layer();
  };
  r.part = [c, seed, start](WeightPart part) {
    core::Rng rng = rng_after(seed, start[static_cast<std::size_t>(part)]);
    return Draw{c, rng}.part(part);
  };
  return r;
}

}  // namespace atl::model
