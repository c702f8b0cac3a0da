#include "model/int_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "kernels/vectorize.h"
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

IntDecoder::Linear IntDecoder::make_linear(std::initializer_list<Part> parts,
                                           std::int64_t in) const {
  Linear l;
  l.in = in;
  std::vector<std::int8_t> q;
  const bool biased =
      std::any_of(parts.begin(), parts.end(), [](const Part& p) { return !p.b.empty(); });
  for (const Part& p : parts) {
    const Int8Rows r = quantize_rows<std::int8_t>(p.w, p.out, in, p.what);
    q.insert(q.end(), r.q.begin(), r.q.end());
    const std::vector<kernels::Multiplier> mul = row_multipliers(r, 1.0 / 127.0);
    l.mul.insert(l.mul.end(), mul.begin(), mul.end());
    if (p.b.empty()) {
      if (biased) l.bias.resize(l.bias.size() + static_cast<std::size_t>(p.out), 0);  // adds 0
    } else {
      check_size(p.b, p.out, p.what + " bias");
      const std::vector<std::int32_t> bias = to_fixed(p.b, kFracBits);
      l.bias.insert(l.bias.end(), bias.begin(), bias.end());
    }
    l.out += p.out;
  }
  l.w.emplace(q, l.out, in);  // packed copy
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
    const std::vector<float> head = weights.part(WeightPart::lm_head);
    head_ = make_linear({{head, {}, c.vocab, "lm_head"}}, dim);
  }
  {
    const std::vector<float> table = weights.part(WeightPart::token_embedding);
    Int16Rows emb = quantize_rows<std::int16_t>(table, c.vocab, dim, "token_embedding");
    embedding_mul_ = row_multipliers(emb, std::ldexp(1.0, kFracBits));
    embedding_ = std::move(emb.q);
    if (c.tied_embeddings) head_ = make_linear({{table, {}, c.vocab, "token_embedding"}}, dim);
  }
  if (!llama) {
    Int16Rows pos = quantize_rows<std::int16_t>(weights.part(WeightPart::position_embedding),
                                                c.max_seq, dim, "position_embedding");
    positions_ = std::move(pos.q);
    positions_mul_ = row_multipliers(pos, std::ldexp(1.0, kFracBits));
  }
  for (std::int64_t l = 0; l < c.layers; ++l) {
    DecoderLayerWeights w = weights.layer(l);
    // Each float matrix is freed once quantised, the largest (w1, w3) last: the peak holds less.
    const auto release = [](auto&... v) { (std::vector<float>().swap(v), ...); };
    const std::string at = fmt::format("layer {} ", l);
    Layer layer;
    layer.attn_norm = make_norm(w.attn_norm, w.attn_norm_bias, at + "attn_norm");
    layer.ffn_norm = make_norm(w.ffn_norm, w.ffn_norm_bias, at + "ffn_norm");
    layer.qkv = make_linear({{w.wq, w.bq, dim, at + "wq"},
                             {w.wk, w.bk, kv_dim, at + "wk"},
                             {w.wv, w.bv, kv_dim, at + "wv"}},
                            dim);
    release(w.wq, w.wk, w.wv);
    layer.wo = make_linear({{w.wo, w.bo, dim, at + "wo"}}, dim);
    release(w.wo);
    layer.w2 = make_linear({{w.w2, w.b2, dim, at + "w2"}}, c.hidden_dim);
    release(w.w2);
    const Part gate{w.w1, w.b1, c.hidden_dim, at + "w1"};
    layer.w13 = c.ffn == FfnKind::swiglu
                    ? make_linear({gate, {w.w3, {}, c.hidden_dim, at + "w3"}}, dim)
                    : make_linear({gate}, dim);
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
  resize_work(1);
}

void IntDecoder::resize_work(std::int64_t rows) {
  if (rows <= work_rows_) return;
  const DecoderConfig& c = config_;
  const auto n = [rows](std::int64_t width) { return static_cast<std::size_t>(rows * width); };
  const std::int64_t kv_dim = c.kv_heads * c.head_dim(), wide = std::max(c.dim, c.hidden_dim);
  x_.resize(n(c.dim));
  xb_.resize(n(c.dim));
  qkv_.resize(n(c.dim + 2 * kv_dim));
  att_.resize(n(c.dim));
  h13_.resize(n(2 * c.hidden_dim));
  h_.resize(n(c.hidden_dim));
  acc_.resize(n(std::max({c.vocab, 2 * c.hidden_dim, c.dim + 2 * kv_dim})));
  x8_.resize(n(wide));
  scales_.resize(n(1));
  work_rows_ = rows;
}

void IntDecoder::quantize(const std::int32_t* x, std::int64_t rows, std::int64_t n, Site& site) {
  for (std::int64_t t = 0; t < rows; ++t) {
    ActScale& s = scales_[static_cast<std::size_t>(t)];
    if (scaling_ == ActivationScaling::per_tensor) {
      s = site.fixed;
      kernels::quantize_row_fast(x + t * n, n, s, x8_.data() + t * n);
    } else {
      s = kernels::quantize_row_dynamic_fast(x + t * n, n, x8_.data() + t * n);
      if (calibrating_) site.seen_max = std::max(site.seen_max, s.amax());
    }
  }
}

namespace {

// The W8A8 requantisation of a linear's outputs, run by the product on each finished piece.
struct Requantize {
  const kernels::ActScale* scales;  // [tokens]
  const kernels::Multiplier* mul;   // [out]
  const std::int32_t* bias;         // [out] or nullptr
  std::int64_t out;
  std::int32_t* y;  // [tokens][out]
};

void requantize_piece(const void* context, std::int64_t t, std::int64_t o0, std::int64_t o1,
                      std::int32_t* acc) {
  const Requantize& r = *static_cast<const Requantize*>(context);
  kernels::w8a8_requantize_fast(acc + o0, o1 - o0, r.scales[t], r.mul + o0,
                                r.bias == nullptr ? nullptr : r.bias + o0, r.y + t * r.out + o0);
}

}  // namespace

void IntDecoder::linear(const Linear& l, std::int64_t rows, std::int32_t* y) {
  const Requantize r{scales_.data(), l.mul.data(), l.bias.empty() ? nullptr : l.bias.data(), l.out,
                     y};
  l.w->multiply(x8_.data(), rows, acc_.data(), {requantize_piece, &r});
}

void IntDecoder::attention(Layer& layer, std::int64_t l, std::int64_t rows, std::int64_t pos0) {
  const DecoderConfig& c = config_;
  const std::int64_t dim = c.dim, hd = c.head_dim(), kvh = c.kv_heads, kvd = kvh * hd;
  const std::int64_t group = c.heads / c.kv_heads, width = dim + 2 * kvd;  // a qkv_ row
  for (std::int64_t t = 0; t < rows; ++t) {
    kernels::norm_row_fast(x_.data() + t * dim, dim, layer.attn_norm.params(),
                           xb_.data() + t * dim);
  }
  quantize(xb_.data(), rows, dim, layer.attn_in);
  linear(layer.qkv, rows, qkv_.data());
  const std::int64_t row0 = l * c.max_seq * kvh;  // first (position, kv head) row of layer l
  for (std::int64_t t = 0; t < rows; ++t) {
    const std::int64_t pos = pos0 + t;
    std::int32_t* q = qkv_.data() + t * width;
    std::int32_t* k = q + dim;
    const std::int32_t* v = k + kvd;
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
          kernels::quantize_row_dynamic_fast(k + h * hd, hd, k_cache_.data() + r * hd);
      v_scale_[static_cast<std::size_t>(r)] =
          kernels::quantize_row_dynamic_fast(v + h * hd, hd, v_cache_.data() + r * hd);
    }
  }
  // (token, head) pairs are independent: split over the threads when the cache is long enough,
  // handed out one by one (a thread that loses its core on a shared machine leaves the rest to
  // the other, as Int8Matrix's work items do).
  const std::int64_t pairs = rows * c.heads;
  const bool parallel = pairs * (pos0 + rows) * hd >= kernels::kMinParallelElements;
#pragma omp parallel if (parallel)
  {
    std::vector<std::int8_t> q8(static_cast<std::size_t>(hd));
    std::vector<std::int64_t> scratch(static_cast<std::size_t>(c.max_seq + hd));
#pragma omp for schedule(dynamic)
    for (std::int64_t i = 0; i < pairs; ++i) {
      const std::int64_t t = i / c.heads, h = i % c.heads;
      const kernels::ActScale sq =
          kernels::quantize_row_dynamic_fast(qkv_.data() + t * width + h * hd, hd, q8.data());
      const std::int64_t r = row0 + h / group;
      const kernels::KvView kv{k_cache_.data() + r * hd,
                               v_cache_.data() + r * hd,
                               k_scale_.data() + r,
                               v_scale_.data() + r,
                               kvd,
                               kvh};
      kernels::attention_head_fast(q8.data(), sq, kv, pos0 + t + 1, hd, attention_, scratch.data(),
                                   att_.data() + t * dim + h * hd);
    }
  }
  quantize(att_.data(), rows, dim, layer.wo_in);
  linear(layer.wo, rows, xb_.data());
  kernels::add_row_fast(xb_.data(), rows * dim, x_.data());
}

void IntDecoder::ffn(Layer& layer, std::int64_t rows) {
  const DecoderConfig& c = config_;
  const std::int64_t dim = c.dim, hid = c.hidden_dim;
  for (std::int64_t t = 0; t < rows; ++t) {
    kernels::norm_row_fast(x_.data() + t * dim, dim, layer.ffn_norm.params(), xb_.data() + t * dim);
  }
  quantize(xb_.data(), rows, dim, layer.ffn_in);
  std::int32_t* h = h_.data();
  if (c.ffn == FfnKind::swiglu) {
    linear(layer.w13, rows, h13_.data());  // [rows][gate | up]
    for (std::int64_t t = 0; t < rows; ++t) {
      const std::int32_t* gate = h13_.data() + t * 2 * hid;
      kernels::swiglu_row_fast(gate, gate + hid, hid, kFracBits, sigmoid_, h + t * hid);
    }
  } else {
    linear(layer.w13, rows, h);
    kernels::decoder_gelu_row(h, rows * hid, kFracBits, gelu_);
  }
  quantize(h, rows, hid, layer.w2_in);
  linear(layer.w2, rows, xb_.data());
  kernels::add_row_fast(xb_.data(), rows * dim, x_.data());
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
      kernels::add_row_fast(xb_.data(), dim, x);
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
  kernels::norm_row_fast(x_.data() + row * dim, dim, final_norm_.params(), xb_.data());
  quantize(xb_.data(), 1, dim, head_in_);
  logits_.resize(static_cast<std::size_t>(config_.vocab));
  linear(head_, 1, logits_.data());
  std::vector<float> out(logits_.size());
  const double unit = std::ldexp(1.0, -kFracBits);  // a power of two: the product is exact
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<float>(static_cast<double>(logits_[i]) * unit);
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
