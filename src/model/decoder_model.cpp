#include "model/decoder_model.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "model/config.h"

namespace atl::model {
namespace {

// Throws unless `v` holds `n` finite values (n == 0: must be empty).
void check_tensor(const std::vector<float>& v, std::int64_t n, const std::string& where,
                  const std::string& name) {
  if (static_cast<std::int64_t>(v.size()) != n) {
    throw core::Error(
        fmt::format("{}: tensor '{}' has {} values, expected {}", where, name, v.size(), n));
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      throw core::Error(
          fmt::format("{}: tensor '{}' holds a non-finite value at element {}", where, name, i));
    }
  }
}

const char* part_name(WeightPart part) {
  switch (part) {
    case WeightPart::token_embedding:
      return "token_embedding";
    case WeightPart::position_embedding:
      return "position_embedding";
    case WeightPart::final_norm:
      return "final_norm";
    case WeightPart::final_norm_bias:
      return "final_norm_bias";
    case WeightPart::lm_head:
      return "lm_head";
  }
  return "?";
}

}  // namespace

std::int64_t part_size(const DecoderConfig& c, WeightPart part) {
  const bool layernorm = c.norm == NormKind::layernorm;
  switch (part) {
    case WeightPart::token_embedding:
      return c.vocab * c.dim;
    case WeightPart::position_embedding:
      return c.architecture == Architecture::gpt2_decoder ? c.max_seq * c.dim : 0;
    case WeightPart::final_norm:
      return c.dim;
    case WeightPart::final_norm_bias:
      return layernorm ? c.dim : 0;
    case WeightPart::lm_head:
      return c.tied_embeddings ? 0 : c.vocab * c.dim;
  }
  return 0;
}

namespace {

constexpr WeightPart kParts[] = {WeightPart::token_embedding, WeightPart::position_embedding,
                                 WeightPart::final_norm, WeightPart::final_norm_bias,
                                 WeightPart::lm_head};

// The tensor of `part` in w (DecoderWeights or const DecoderWeights).
template <class Weights>
auto& part_of(Weights& w, WeightPart part) {
  switch (part) {
    case WeightPart::token_embedding:
      return w.token_embedding;
    case WeightPart::position_embedding:
      return w.position_embedding;
    case WeightPart::final_norm:
      return w.final_norm;
    case WeightPart::final_norm_bias:
      return w.final_norm_bias;
    case WeightPart::lm_head:
      break;
  }
  return w.lm_head;
}

}  // namespace

void validate_part(const DecoderConfig& c, WeightPart part, const std::vector<float>& values,
                   const std::string& where) {
  check_tensor(values, part_size(c, part), where, part_name(part));
}

void validate_layer(const DecoderConfig& c, std::int64_t i, const DecoderLayerWeights& l,
                    const std::string& where) {
  const std::int64_t d = c.dim, h = c.hidden_dim, kv = c.kv_heads * c.head_dim();
  const bool layernorm = c.norm == NormKind::layernorm;
  const std::int64_t bias = c.architecture == Architecture::gpt2_decoder ? 1 : 0;  // Llama: none
  const std::int64_t up = c.ffn == FfnKind::swiglu ? 1 : 0;
  auto check = [&](const std::vector<float>& v, std::int64_t n, const char* name) {
    check_tensor(v, n, where, fmt::format("layers.{}.{}", i, name));
  };
  check(l.attn_norm, d, "attn_norm");
  check(l.attn_norm_bias, layernorm ? d : 0, "attn_norm_bias");
  check(l.wq, d * d, "wq");
  check(l.bq, bias * d, "bq");
  check(l.wk, kv * d, "wk");
  check(l.bk, bias * kv, "bk");
  check(l.wv, kv * d, "wv");
  check(l.bv, bias * kv, "bv");
  check(l.wo, d * d, "wo");
  check(l.bo, bias * d, "bo");
  check(l.ffn_norm, d, "ffn_norm");
  check(l.ffn_norm_bias, layernorm ? d : 0, "ffn_norm_bias");
  check(l.w1, h * d, "w1");
  check(l.b1, bias * h, "b1");
  check(l.w3, up * h * d, "w3");
  check(l.w2, d * h, "w2");
  check(l.b2, bias * d, "b2");
}

void validate(const DecoderModel& m, const std::string& where) {
  const DecoderConfig& c = m.config;
  validate(c, where);
  const DecoderWeights& w = m.weights;
  for (WeightPart part : kParts) validate_part(c, part, part_of(w, part), where);
  if (static_cast<std::int64_t>(w.layers.size()) != c.layers) {
    throw core::Error(
        fmt::format("{}: {} layers of weights, expected {}", where, w.layers.size(), c.layers));
  }
  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    validate_layer(c, static_cast<std::int64_t>(i), w.layers[i], where);
  }
}

DecoderWeightReader weight_reader(const DecoderConfig& config, const DecoderWeights& weights,
                                  const std::string& where) {
  if (static_cast<std::int64_t>(weights.layers.size()) != config.layers) {
    throw core::Error(
        fmt::format("{}: {} layers, expected {}", where, weights.layers.size(), config.layers));
  }
  DecoderWeightReader r;
  r.config = config;
  r.part = [&weights](WeightPart part) { return part_of(weights, part); };
  r.layer = [&weights](std::int64_t i) { return weights.layers.at(static_cast<std::size_t>(i)); };
  return r;
}

DecoderModel read_all(const DecoderWeightReader& reader) {
  DecoderModel m;
  m.config = reader.config;
  for (WeightPart part : kParts) part_of(m.weights, part) = reader.part(part);
  for (std::int64_t i = 0; i < m.config.layers; ++i) m.weights.layers.push_back(reader.layer(i));
  return m;
}

void check_same_shape(const DecoderConfig& yaml, const DecoderConfig& file,
                      const std::string& where) {
  auto same = [&](const char* field, auto a, auto b) {
    if (a != b) {
      throw core::Error(fmt::format("{}: {} is {} in the weights but {} in model '{}'", where,
                                    field, b, a, yaml.name));
    }
  };
  same("architecture", to_string(yaml.architecture), to_string(file.architecture));
  same("layers", yaml.layers, file.layers);
  same("hidden", yaml.dim, file.dim);
  same("intermediate", yaml.hidden_dim, file.hidden_dim);
  same("heads", yaml.heads, file.heads);
  same("kv_heads", yaml.kv_heads, file.kv_heads);
  same("vocab", yaml.vocab, file.vocab);
  same("max_seq", yaml.max_seq, file.max_seq);
  same("tied_embeddings", yaml.tied_embeddings, file.tied_embeddings);
  same("norm", to_string(yaml.norm), to_string(file.norm));
  same("ffn", to_string(yaml.ffn), to_string(file.ffn));
  same("rope", to_string(yaml.rope), to_string(file.rope));
  same("rope_theta", yaml.rope_theta, file.rope_theta);
  same("norm_eps", yaml.norm_eps, file.norm_eps);
  same("bos", yaml.bos, file.bos);
}

}  // namespace atl::model
