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

}  // namespace

void validate(const DecoderModel& m, const std::string& where) {
  const DecoderConfig& c = m.config;
  validate(c, where);
  const DecoderWeights& w = m.weights;
  const std::int64_t d = c.dim, h = c.hidden_dim, kv = c.kv_heads * c.head_dim();
  const bool gpt2 = c.architecture == Architecture::gpt2_decoder;
  const bool layernorm = c.norm == NormKind::layernorm;
  const bool swiglu = c.ffn == FfnKind::swiglu;
  check_tensor(w.token_embedding, c.vocab * d, where, "token_embedding");
  check_tensor(w.position_embedding, gpt2 ? c.max_seq * d : 0, where, "position_embedding");
  check_tensor(w.final_norm, d, where, "final_norm");
  check_tensor(w.final_norm_bias, layernorm ? d : 0, where, "final_norm_bias");
  check_tensor(w.lm_head, c.tied_embeddings ? 0 : c.vocab * d, where, "lm_head");
  if (static_cast<std::int64_t>(w.layers.size()) != c.layers) {
    throw core::Error(
        fmt::format("{}: {} layers of weights, expected {}", where, w.layers.size(), c.layers));
  }
  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    const DecoderLayerWeights& l = w.layers[i];
    auto check = [&](const std::vector<float>& v, std::int64_t n, const char* name) {
      check_tensor(v, n, where, fmt::format("layers.{}.{}", i, name));
    };
    const std::int64_t bias = gpt2 ? 1 : 0;  // GPT-2 linears have biases, Llama's none
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
    check(l.w3, swiglu ? h * d : 0, "w3");
    check(l.w2, d * h, "w2");
    check(l.b2, bias * d, "b2");
  }
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
