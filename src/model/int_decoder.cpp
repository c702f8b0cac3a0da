#include "model/int_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "model/config.h"
#include "model/quantize_decoder.h"

namespace atl::model {

namespace {

using kernels::ActScale;

void check_size(const std::vector<float>& v, std::int64_t n, const std::string& what) {
  if (static_cast<std::int64_t>(v.size()) != n) {
    throw core::Error(fmt::format("{}: {} values, expected {}", what, v.size(), n));
  }
}

void check_config(const DecoderConfig& c) {
  validate(c, "decoder " + c.name);
  if (std::max(c.dim, c.hidden_dim) > kernels::kMaxLinearInputs) {
    throw core::Error(core::ErrorKind::unsupported,
                      fmt::format("decoder {}: dim {} / hidden_dim {} above {} (int64 "
                                  "requantisation bound of the W8A8 linear)",
                                  c.name, c.dim, c.hidden_dim, kernels::kMaxLinearInputs));
  }
}

template <class T>
std::vector<kernels::Multiplier> row_multipliers(const QuantRows<T>& r, double factor) {
  std::vector<kernels::Multiplier> m(r.scale.size());
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = multiplier(r.scale[i] * factor);
  return m;
}

}  // namespace

IntDecoder::Linear IntDecoder::make_linear(const std::vector<float>& w, const std::vector<float>& b,
                                           std::int64_t out, std::int64_t in,
                                           const std::string& what) const {
  Int8Rows r = quantize_rows<std::int8_t>(w, out, in, what);
  Linear l;
  l.out = out;
  l.in = in;
  l.w.emplace(r.q, out, in);  // packed copy
  l.mul = row_multipliers(r, 1.0 / 127.0);
  if (!b.empty()) {
    check_size(b, out, what + " bias");
    l.bias = to_fixed(b, kFracBits);
  }
  return l;
}

IntDecoder::Norm IntDecoder::make_norm(const std::vector<float>& gain,
                                       const std::vector<float>& bias,
                                       const std::string& what) const {
  check_size(gain, config_.dim, what);
  Norm n;
  const int g = gain_bits(gain);
  n.gain = to_fixed(gain, g);
  if (config_.norm == NormKind::layernorm) {
    check_size(bias, config_.dim, what + " bias");
    n.bias = to_fixed(bias, kFracBits);
  }
  n.scalars.gain_bits = g;
  n.scalars.frac_bits = kFracBits;
  n.scalars.eps_q = std::llround(std::ldexp(static_cast<double>(config_.norm_eps), 2 * kFracBits));
  n.scalars.center = config_.norm == NormKind::layernorm;
  return n;
}

IntDecoder::IntDecoder(const DecoderConfig& config, const DecoderWeights& weights)
    : IntDecoder(weight_reader(config, weights, fmt::format("decoder {} weights", config.name))) {}

IntDecoder::IntDecoder(const DecoderWeightReader& weights) : config_(weights.config) {
  check_config(config_);
  const DecoderConfig& c = config_;
  const std::int64_t dim = c.dim, hd = c.head_dim(), kv_dim = c.kv_heads * hd;
  const bool llama = c.architecture == Architecture::llama_decoder;
  if (!c.tied_embeddings) {  // first: the largest piece, while little else is held
    head_ = make_linear(weights.part(WeightPart::lm_head), {}, c.vocab, dim, "lm_head");
  }
  {
    const std::vector<float> table = weights.part(WeightPart::token_embedding);
    Int16Rows emb = quantize_rows<std::int16_t>(table, c.vocab, dim, "token_embedding");
    embedding_mul_ = row_multipliers(emb, std::ldexp(1.0, kFracBits));
    embedding_ = std::move(emb.q);
    if (c.tied_embeddings) head_ = make_linear(table, {}, c.vocab, dim, "token_embedding");
  }
  if (!llama) {
    Int16Rows pos = quantize_rows<std::int16_t>(weights.part(WeightPart::position_embedding),
                                                c.max_seq, dim, "position_embedding");
    positions_ = std::move(pos.q);
    positions_mul_ = row_multipliers(pos, std::ldexp(1.0, kFracBits));
  }
  for (std::int64_t l = 0; l < c.layers; ++l) {
    const DecoderLayerWeights w = weights.layer(l);
    const std::string at = fmt::format("layer {} ", l);
    Layer layer;
    layer.attn_norm = make_norm(w.attn_norm, w.attn_norm_bias, at + "attn_norm");
    layer.ffn_norm = make_norm(w.ffn_norm, w.ffn_norm_bias, at + "ffn_norm");
    layer.wq = make_linear(w.wq, w.bq, dim, dim, at + "wq");
    layer.wk = make_linear(w.wk, w.bk, kv_dim, dim, at + "wk");
    layer.wv = make_linear(w.wv, w.bv, kv_dim, dim, at + "wv");
    layer.wo = make_linear(w.wo, w.bo, dim, dim, at + "wo");
    layer.w1 = make_linear(w.w1, w.b1, c.hidden_dim, dim, at + "w1");
    if (c.ffn == FfnKind::swiglu) layer.w3 = make_linear(w.w3, {}, c.hidden_dim, dim, at + "w3");
    layer.w2 = make_linear(w.w2, w.b2, dim, c.hidden_dim, at + "w2");
    layers_.push_back(std::move(layer));
  }
  final_norm_ = make_norm(weights.part(WeightPart::final_norm),
                          weights.part(WeightPart::final_norm_bias), "final_norm");

  rope_pairs_ =
      c.rope == RopeLayout::halves ? kernels::RopePairs::halves : kernels::RopePairs::interleaved;
  if (llama) {
    RopeTable t = rope_table(c.max_seq, hd, c.rope_theta);
    rope_cos_ = std::move(t.cos);
    rope_sin_ = std::move(t.sin);
    sigmoid_ = sigmoid_params();
  } else {
    gelu_ = gelu_params(kFracBits);
  }
  attention_ = attention_params(hd, kFracBits);

  const auto cache = static_cast<std::size_t>(c.layers * c.max_seq * kv_dim);
  k_cache_.resize(cache);
  v_cache_.resize(cache);
  k_scale_.resize(static_cast<std::size_t>(c.layers * c.max_seq * c.kv_heads));
  v_scale_.resize(k_scale_.size());
  q8_.resize(static_cast<std::size_t>(hd));
  scores_.resize(static_cast<std::size_t>(c.max_seq + hd));
  resize_work(1);
}

void IntDecoder::resize_work(std::int64_t rows) {
  if (rows <= work_rows_) return;
  const DecoderConfig& c = config_;
  const auto n = [rows](std::int64_t width) { return static_cast<std::size_t>(rows * width); };
  const std::int64_t kv_dim = c.kv_heads * c.head_dim(), wide = std::max(c.dim, c.hidden_dim);
  x_.resize(n(c.dim));
  xb_.resize(n(c.dim));
  q_.resize(n(c.dim));
  k_.resize(n(kv_dim));
  v_.resize(n(kv_dim));
  att_.resize(n(c.dim));
  h1_.resize(n(c.hidden_dim));
  h3_.resize(n(c.hidden_dim));
  acc_.resize(n(std::max(c.vocab, wide)));
  x8_.resize(n(wide));
  scales_.resize(n(1));
  work_rows_ = rows;
}

void IntDecoder::quantize(const std::int32_t* x, std::int64_t rows, std::int64_t n, Site& site) {
  for (std::int64_t t = 0; t < rows; ++t) {
    ActScale& s = scales_[static_cast<std::size_t>(t)];
    if (scaling_ == ActivationScaling::per_tensor) {
      s = site.fixed;
      kernels::quantize_row(x + t * n, n, s, x8_.data() + t * n);
    } else {
      s = kernels::quantize_row_dynamic(x + t * n, n, x8_.data() + t * n);
      if (calibrating_) site.seen_max = std::max(site.seen_max, s.amax());
    }
  }
}

void IntDecoder::linear(const Linear& l, std::int64_t rows, std::int32_t* y) {
  l.w->multiply(x8_.data(), rows, acc_.data());
  for (std::int64_t t = 0; t < rows; ++t) {
    kernels::w8a8_requantize(acc_.data() + t * l.out, l.out, scales_[static_cast<std::size_t>(t)],
                             l.mul.data(), l.bias.empty() ? nullptr : l.bias.data(), y + t * l.out);
  }
}

void IntDecoder::attention(Layer& layer, std::int64_t l, std::int64_t rows, std::int64_t pos0) {
  const DecoderConfig& c = config_;
  const std::int64_t dim = c.dim, hd = c.head_dim(), kvh = c.kv_heads, kvd = kvh * hd;
  const std::int64_t group = c.heads / c.kv_heads;
  for (std::int64_t t = 0; t < rows; ++t) {
    kernels::norm_row(x_.data() + t * dim, dim, layer.attn_norm.params(), xb_.data() + t * dim);
  }
  quantize(xb_.data(), rows, dim, layer.attn_in);
  linear(layer.wq, rows, q_.data());
  linear(layer.wk, rows, k_.data());
  linear(layer.wv, rows, v_.data());
  const std::int64_t row0 = l * c.max_seq * kvh;  // first (position, kv head) row of layer l
  for (std::int64_t t = 0; t < rows; ++t) {
    const std::int64_t pos = pos0 + t;
    std::int32_t* q = q_.data() + t * dim;
    std::int32_t* k = k_.data() + t * kvd;
    if (c.architecture == Architecture::llama_decoder) {
      const std::int16_t* cos = rope_cos_.data() + pos * (hd / 2);
      const std::int16_t* sin = rope_sin_.data() + pos * (hd / 2);
      for (std::int64_t h = 0; h < c.heads; ++h) {
        kernels::rope_row(q + h * hd, hd, cos, sin, rope_pairs_);
      }
      for (std::int64_t h = 0; h < kvh; ++h) {
        kernels::rope_row(k + h * hd, hd, cos, sin, rope_pairs_);
      }
    }
    for (std::int64_t h = 0; h < kvh; ++h) {
      const std::int64_t r = row0 + pos * kvh + h;
      k_scale_[static_cast<std::size_t>(r)] =
          kernels::quantize_row_dynamic(k + h * hd, hd, k_cache_.data() + r * hd);
      v_scale_[static_cast<std::size_t>(r)] =
          kernels::quantize_row_dynamic(v_.data() + t * kvd + h * hd, hd, v_cache_.data() + r * hd);
    }
  }
  for (std::int64_t t = 0; t < rows; ++t) {
    for (std::int64_t h = 0; h < c.heads; ++h) {
      const ActScale sq =
          kernels::quantize_row_dynamic(q_.data() + t * dim + h * hd, hd, q8_.data());
      const std::int64_t r = row0 + h / group;
      const kernels::KvView kv{k_cache_.data() + r * hd,
                               v_cache_.data() + r * hd,
                               k_scale_.data() + r,
                               v_scale_.data() + r,
                               kvd,
                               kvh};
      kernels::attention_head(q8_.data(), sq, kv, pos0 + t + 1, hd, attention_, scores_.data(),
                              att_.data() + t * dim + h * hd);
    }
  }
  quantize(att_.data(), rows, dim, layer.wo_in);
  linear(layer.wo, rows, xb_.data());
  for (std::int64_t t = 0; t < rows; ++t) {
    kernels::add_row(xb_.data() + t * dim, dim, x_.data() + t * dim);
  }
}

void IntDecoder::ffn(Layer& layer, std::int64_t rows) {
  const DecoderConfig& c = config_;
  const std::int64_t dim = c.dim, hid = c.hidden_dim;
  for (std::int64_t t = 0; t < rows; ++t) {
    kernels::norm_row(x_.data() + t * dim, dim, layer.ffn_norm.params(), xb_.data() + t * dim);
  }
  quantize(xb_.data(), rows, dim, layer.ffn_in);
  linear(layer.w1, rows, h1_.data());
  if (c.ffn == FfnKind::swiglu) {
    linear(layer.w3, rows, h3_.data());
    kernels::swiglu_row(h1_.data(), h3_.data(), rows * hid, kFracBits, sigmoid_, h1_.data());
  } else {
    kernels::decoder_gelu_row(h1_.data(), rows * hid, kFracBits, gelu_);
  }
  quantize(h1_.data(), rows, hid, layer.w2_in);
  linear(layer.w2, rows, xb_.data());
  kernels::add_row(xb_.data(), rows * dim, x_.data());
}

void IntDecoder::run_block(const int* tokens, std::int64_t rows, std::int64_t pos0) {
  const DecoderConfig& c = config_;
  const std::int64_t dim = c.dim;
  resize_work(rows);
  for (std::int64_t t = 0; t < rows; ++t) {
    std::int32_t* x = x_.data() + t * dim;
    kernels::dequantize_row(embedding_.data() + tokens[t] * dim, dim,
                            embedding_mul_[static_cast<std::size_t>(tokens[t])], x);
    if (c.architecture == Architecture::gpt2_decoder) {
      const std::int64_t pos = pos0 + t;
      kernels::dequantize_row(positions_.data() + pos * dim, dim,
                              positions_mul_[static_cast<std::size_t>(pos)], xb_.data());
      kernels::add_row(xb_.data(), dim, x);
    }
  }
  for (std::int64_t l = 0; l < c.layers; ++l) {
    Layer& layer = layers_[static_cast<std::size_t>(l)];
    attention(layer, l, rows, pos0);
    ffn(layer, rows);
  }
  next_pos_ = pos0 + rows;
}

std::vector<float> IntDecoder::logits(std::int64_t row) {
  const std::int64_t dim = config_.dim;
  kernels::norm_row(x_.data() + row * dim, dim, final_norm_.params(), xb_.data());
  quantize(xb_.data(), 1, dim, head_in_);
  logits_.resize(static_cast<std::size_t>(config_.vocab));
  linear(head_, 1, logits_.data());
  std::vector<float> out(logits_.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<float>(std::ldexp(static_cast<double>(logits_[i]), -kFracBits));
  }
  return out;
}

std::vector<float> IntDecoder::forward(int token, int pos) {
  const DecoderConfig& c = config_;
  validate_token(c, token, "decoder " + c.name);
  if (pos < 0 || pos >= c.max_seq) {
    throw core::Error(fmt::format("decoder {}: position {} outside the context 0..{} (max_seq {})",
                                  c.name, pos, c.max_seq - 1, c.max_seq));
  }
  if (pos > next_pos_) {
    throw core::Error(
        fmt::format("decoder {}: position {} skips positions {}..{} (the cache holds "
                    "0..{})",
                    c.name, pos, next_pos_, pos - 1, next_pos_ - 1));
  }
  run_block(&token, 1, pos);
  return logits(0);
}

std::vector<float> IntDecoder::prefill(std::span<const int> tokens) {
  const DecoderConfig& c = config_;
  if (tokens.empty()) throw core::Error(fmt::format("decoder {}: prefill of no tokens", c.name));
  for (int t : tokens) validate_token(c, t, "decoder " + c.name);
  const auto n = static_cast<std::int64_t>(tokens.size());
  if (n > c.max_seq - next_pos_) {
    throw core::Error(
        fmt::format("decoder {}: {} tokens from position {} exceed the context "
                    "(max_seq {})",
                    c.name, n, next_pos_, c.max_seq));
  }
  for (std::int64_t done = 0; done < n; done += kPrefillRows) {
    const std::int64_t rows = std::min(kPrefillRows, n - done);
    run_block(tokens.data() + done, rows, next_pos_);
  }
  return logits((n - 1) % kPrefillRows);  // the last row of the last block
}

void IntDecoder::calibrate_static_scales(std::span<const int> tokens) {
  scaling_ = ActivationScaling::per_token;
  calibrating_ = true;
  reset();
  try {
    for (int t : tokens) forward(t, static_cast<int>(next_pos_));  // the LM head sees every row
  } catch (...) {
    calibrating_ = false;
    throw;
  }
  calibrating_ = false;
  const auto fix = [](Site& s) { s.fixed = kernels::act_scale(s.seen_max); };
  for (Layer& layer : layers_) {
    fix(layer.attn_in);
    fix(layer.wo_in);
    fix(layer.ffn_in);
    fix(layer.w2_in);
  }
  fix(head_in_);
  scaling_ = ActivationScaling::per_tensor;
  reset();
}

}  // namespace atl::model
