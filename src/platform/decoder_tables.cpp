#include "platform/decoder_tables.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "model/config.h"
#include "model/quantize_decoder.h"

namespace atl::platform {
namespace {

constexpr int kF = DecoderTables::kFracBits;

template <class T>
std::vector<kernels::Multiplier> row_multipliers(const model::QuantRows<T>& r, double factor) {
  std::vector<kernels::Multiplier> m(r.scale.size());
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = model::multiplier(r.scale[i] * factor);
  return m;
}

DecoderLinear linear(const std::vector<float>& w, const std::vector<float>& b, std::int64_t out,
                     std::int64_t in, const std::string& what) {
  model::Int8Rows r = model::quantize_rows<std::int8_t>(w, out, in, what);
  DecoderLinear l;
  l.out = out;
  l.in = in;
  l.mul = row_multipliers(r, 1.0 / 127.0);
  l.w = std::move(r.q);
  if (!b.empty()) {
    if (static_cast<std::int64_t>(b.size()) != out) {
      throw core::Error(fmt::format("{} bias: {} values, expected {}", what, b.size(), out));
    }
    l.bias = model::to_fixed(b, kF);
  }
  return l;
}

DecoderNorm norm(const model::DecoderConfig& c, const std::vector<float>& gain,
                 const std::vector<float>& bias, const std::string& what) {
  if (static_cast<std::int64_t>(gain.size()) != c.dim) {
    throw core::Error(fmt::format("{}: {} values, expected {}", what, gain.size(), c.dim));
  }
  DecoderNorm n;
  const int g = model::gain_bits(gain);
  n.gain = model::to_fixed(gain, g);
  if (c.norm == model::NormKind::layernorm) {
    if (static_cast<std::int64_t>(bias.size()) != c.dim) {
      throw core::Error(fmt::format("{} bias: {} values, expected {}", what, bias.size(), c.dim));
    }
    n.bias = model::to_fixed(bias, kF);
  }
  n.scalars.gain_bits = g;
  n.scalars.frac_bits = kF;
  n.scalars.eps_q = std::llround(std::ldexp(static_cast<double>(c.norm_eps), 2 * kF));
  n.scalars.center = c.norm == model::NormKind::layernorm;
  return n;
}

}  // namespace

DecoderTables calibrate_decoder(const model::DecoderWeightReader& weights) {
  DecoderTables t;
  t.config = weights.config;
  const model::DecoderConfig& c = t.config;
  model::validate(c, "decoder " + c.name);
  if (std::max(c.dim, c.hidden_dim) > kernels::kMaxLinearInputs) {
    throw core::Error(core::ErrorKind::unsupported,
                      fmt::format("decoder {}: dim {} / hidden_dim {} above {} (int64 "
                                  "requantisation bound of the W8A8 linear)",
                                  c.name, c.dim, c.hidden_dim, kernels::kMaxLinearInputs));
  }
  const std::int64_t dim = c.dim, hd = c.head_dim(), kv_dim = c.kv_heads * hd;
  const bool llama = c.architecture == model::Architecture::llama_decoder;
  if (!c.tied_embeddings) {
    t.head = linear(weights.part(model::WeightPart::lm_head), {}, c.vocab, dim, "lm_head");
  }
  {
    const std::vector<float> table = weights.part(model::WeightPart::token_embedding);
    model::Int16Rows emb =
        model::quantize_rows<std::int16_t>(table, c.vocab, dim, "token_embedding");
    t.embedding_mul = row_multipliers(emb, std::ldexp(1.0, kF));
    t.embedding = std::move(emb.q);
    if (c.tied_embeddings) t.head = linear(table, {}, c.vocab, dim, "token_embedding");
  }
  if (!llama) {
    model::Int16Rows pos = model::quantize_rows<std::int16_t>(
        weights.part(model::WeightPart::position_embedding), c.max_seq, dim, "position_embedding");
    t.positions_mul = row_multipliers(pos, std::ldexp(1.0, kF));
    t.positions = std::move(pos.q);
  }
  for (std::int64_t l = 0; l < c.layers; ++l) {
    const model::DecoderLayerWeights w = weights.layer(l);
    const std::string at = fmt::format("layer {} ", l);
    DecoderLayerTables layer;
    layer.attn_norm = norm(c, w.attn_norm, w.attn_norm_bias, at + "attn_norm");
    layer.ffn_norm = norm(c, w.ffn_norm, w.ffn_norm_bias, at + "ffn_norm");
    layer.wq = linear(w.wq, w.bq, dim, dim, at + "wq");
    layer.wk = linear(w.wk, w.bk, kv_dim, dim, at + "wk");
    layer.wv = linear(w.wv, w.bv, kv_dim, dim, at + "wv");
    layer.wo = linear(w.wo, w.bo, dim, dim, at + "wo");
    layer.w1 = linear(w.w1, w.b1, c.hidden_dim, dim, at + "w1");
    if (c.ffn == model::FfnKind::swiglu) layer.w3 = linear(w.w3, {}, c.hidden_dim, dim, at + "w3");
    layer.w2 = linear(w.w2, w.b2, dim, c.hidden_dim, at + "w2");
    t.layers.push_back(std::move(layer));
  }
  t.final_norm = norm(c, weights.part(model::WeightPart::final_norm),
                      weights.part(model::WeightPart::final_norm_bias), "final_norm");
  t.rope_pairs = c.rope == model::RopeLayout::halves ? kernels::RopePairs::halves
                                                     : kernels::RopePairs::interleaved;
  if (llama) {
    model::RopeTable r = model::rope_table(c.max_seq, hd, c.rope_theta);
    t.rope_cos = std::move(r.cos);
    t.rope_sin = std::move(r.sin);
    t.sigmoid = model::sigmoid_params();
  } else {
    t.gelu = model::gelu_params(kF);
  }
  t.attention = model::attention_params(hd, kF);
  return t;
}

}  // namespace atl::platform
