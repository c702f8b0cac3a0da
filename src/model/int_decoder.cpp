#include "model/int_decoder.h"

#include <fmt/format.h>
#include <omp.h>

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
  weight_bytes_ = head_.w->packed_bytes();
  for (const Layer& layer : layers_) {
    for (const Linear* l : {&layer.qkv, &layer.wo, &layer.w13, &layer.w2}) {
      weight_bytes_ += l->w->packed_bytes();
    }
  }
  resize_work(1, 1);
}

void IntDecoder::resize_work(std::int64_t rows, int threads) {
  const DecoderConfig& c = config_;
  const auto n = [rows](std::int64_t width) { return static_cast<std::size_t>(rows * width); };
  const std::int64_t kv_dim = c.kv_heads * c.head_dim(), wide = std::max(c.dim, c.hidden_dim);
  if (rows > work_rows_) {
    x_.resize(n(c.dim));
    y_.resize(n(c.dim));
    qkv_.resize(n(c.dim + 2 * kv_dim));
    att_.resize(n(c.dim));
    h13_.resize(n(2 * c.hidden_dim));
    h_.resize(n(c.hidden_dim));
    acc_.resize(n(std::max({c.vocab, 2 * c.hidden_dim, c.dim + 2 * kv_dim})));
    work_rows_ = rows;
    thread_work_.clear();  // regrown below
  }
  if (team_ == nullptr || team_->capacity() < threads) {
    team_ = std::make_unique<kernels::ThreadTeam>(threads);
  }
  while (static_cast<int>(thread_work_.size()) < threads) {
    ThreadWork w;
    w.xb.resize(n(c.dim));
    w.x8.resize(n(wide));
    w.scales.resize(n(1));
    w.q8.resize(static_cast<std::size_t>(c.head_dim()));
    w.scratch.resize(static_cast<std::size_t>(c.max_seq + c.head_dim()));
    thread_work_.push_back(std::move(w));
  }
}

int IntDecoder::team_size() const {
  if (threads_ > 0) return threads_;
  return weight_bytes_ >= kMinParallelWeightBytes ? omp_get_max_threads() : 1;
}

void IntDecoder::quantize(const Member& me, const std::int32_t* x, std::int64_t rows,
                          std::int64_t n, Site& site) {
  ThreadWork& w = work(me);
  for (std::int64_t t = 0; t < rows; ++t) {
    ActScale& s = w.scales[static_cast<std::size_t>(t)];
    if (scaling_ == ActivationScaling::per_tensor) {
      s = site.fixed;
      kernels::quantize_row_fast(x + t * n, n, s, w.x8.data() + t * n);
    } else {
      s = kernels::quantize_row_dynamic_fast(x + t * n, n, w.x8.data() + t * n);
      // Every thread computes the same scales: one of them records them.
      if (calibrating_ && me.index() == 0) site.seen_max = std::max(site.seen_max, s.amax());
    }
  }
}

namespace {

// The W8A8 requantisation of a linear's outputs, run by the product on each finished piece,
// then (residual != nullptr) the residual add residual += y on the piece.
struct Requantize {
  const kernels::ActScale* scales;  // [tokens]
  const kernels::Multiplier* mul;   // [out]
  const std::int32_t* bias;         // [out] or nullptr
  std::int64_t out;
  std::int32_t* y;         // [tokens][out]
  std::int32_t* residual;  // [tokens][out] or nullptr
};

void requantize_piece(const void* context, std::int64_t t, std::int64_t o0, std::int64_t o1,
                      std::int32_t* acc) {
  const Requantize& r = *static_cast<const Requantize*>(context);
  std::int32_t* y = r.y + t * r.out + o0;
  kernels::w8a8_requantize_fast(acc + o0, o1 - o0, r.scales[t], r.mul + o0,
                                r.bias == nullptr ? nullptr : r.bias + o0, y);
  if (r.residual != nullptr) kernels::add_row_fast(y, o1 - o0, r.residual + t * r.out + o0);
}

// Items of the elementwise steps (SwiGLU, GELU): this many values of a row.
constexpr std::int64_t kRowPiece = 1024;

}  // namespace

void IntDecoder::linear(const Member& me, const Linear& l, std::int64_t rows, std::int32_t* y,
                        std::int32_t* residual) {
  ThreadWork& w = work(me);
  const Requantize r{
      w.scales.data(), l.mul.data(), l.bias.empty() ? nullptr : l.bias.data(), l.out, y, residual};
  l.w->multiply(w.x8.data(), rows, acc_.data(), {requantize_piece, &r}, me);
  me.barrier();
}

void IntDecoder::attention(const Member& me, Layer& layer, std::int64_t l, std::int64_t rows,
                           std::int64_t pos0) {
  const DecoderConfig& c = config_;
  const std::int64_t dim = c.dim, hd = c.head_dim(), kvh = c.kv_heads, kvd = kvh * hd;
  const std::int64_t group = c.heads / c.kv_heads, width = dim + 2 * kvd;  // a qkv_ row
  const bool llama = c.architecture == Architecture::llama_decoder;
  ThreadWork& w = work(me);
  for (std::int64_t t = 0; t < rows; ++t) {
    kernels::norm_row_fast(x_.data() + t * dim, dim, layer.attn_norm.params(),
                           w.xb.data() + t * dim);
  }
  quantize(me, w.xb.data(), rows, dim, layer.attn_in);
  linear(me, layer.qkv, rows, qkv_.data());
  const std::int64_t row0 = l * c.max_seq * kvh;  // first (position, kv head) row of layer l
  const auto rope = [&](std::int32_t* head, std::int64_t pos) {
    if (llama) {
      kernels::rope_row(head, hd, rope_cos_.data() + pos * (hd / 2),
                        rope_sin_.data() + pos * (hd / 2), rope_pairs_);
    }
  };
  // Each (token, K/V head): RoPE on K, then K and V into the cache.
  for (std::int64_t i; (i = me.next_item(rows * kvh)) >= 0;) {
    const std::int64_t t = i / kvh, h = i % kvh, pos = pos0 + t;
    std::int32_t* k = qkv_.data() + t * width + dim + h * hd;
    rope(k, pos);
    const std::int64_t r = row0 + pos * kvh + h;
    k_scale_[static_cast<std::size_t>(r)] =
        kernels::quantize_row_dynamic_fast(k, hd, k_cache_.data() + r * hd);
    v_scale_[static_cast<std::size_t>(r)] =
        kernels::quantize_row_dynamic_fast(k + kvd, hd, v_cache_.data() + r * hd);
  }
  me.barrier();
  // Each (token, query head): RoPE on Q, then attention over the cache.
  for (std::int64_t i; (i = me.next_item(rows * c.heads)) >= 0;) {
    const std::int64_t t = i / c.heads, h = i % c.heads;
    std::int32_t* q = qkv_.data() + t * width + h * hd;
    rope(q, pos0 + t);
    const kernels::ActScale sq = kernels::quantize_row_dynamic_fast(q, hd, w.q8.data());
    const std::int64_t r = row0 + h / group;
    const kernels::KvView kv{k_cache_.data() + r * hd,
                             v_cache_.data() + r * hd,
                             k_scale_.data() + r,
                             v_scale_.data() + r,
                             kvd,
                             kvh};
    kernels::attention_head_fast(w.q8.data(), sq, kv, pos0 + t + 1, hd, attention_,
                                 w.scratch.data(), att_.data() + t * dim + h * hd);
  }
  me.barrier();
  quantize(me, att_.data(), rows, dim, layer.wo_in);
  linear(me, layer.wo, rows, y_.data(), x_.data());
}

void IntDecoder::ffn(const Member& me, Layer& layer, std::int64_t rows) {
  const DecoderConfig& c = config_;
  const std::int64_t dim = c.dim, hid = c.hidden_dim;
  ThreadWork& w = work(me);
  for (std::int64_t t = 0; t < rows; ++t) {
    kernels::norm_row_fast(x_.data() + t * dim, dim, layer.ffn_norm.params(),
                           w.xb.data() + t * dim);
  }
  quantize(me, w.xb.data(), rows, dim, layer.ffn_in);
  std::int32_t* h = h_.data();
  const std::int64_t pieces = (hid + kRowPiece - 1) / kRowPiece;  // per row
  if (c.ffn == FfnKind::swiglu) {
    linear(me, layer.w13, rows, h13_.data());  // [rows][gate | up]
    for (std::int64_t i; (i = me.next_item(rows * pieces)) >= 0;) {
      const std::int64_t t = i / pieces, c0 = i % pieces * kRowPiece;
      const std::int32_t* gate = h13_.data() + t * 2 * hid + c0;
      kernels::swiglu_row_fast(gate, gate + hid, std::min(kRowPiece, hid - c0), kFracBits, sigmoid_,
                               h + t * hid + c0);
    }
  } else {
    linear(me, layer.w13, rows, h);
    for (std::int64_t i; (i = me.next_item(rows * pieces)) >= 0;) {
      const std::int64_t t = i / pieces, c0 = i % pieces * kRowPiece;
      kernels::decoder_gelu_row(h + t * hid + c0, std::min(kRowPiece, hid - c0), kFracBits, gelu_);
    }
  }
  me.barrier();
  quantize(me, h, rows, hid, layer.w2_in);
  linear(me, layer.w2, rows, y_.data(), x_.data());
}

void IntDecoder::head(const Member& me, std::int64_t row) {
  const std::int64_t dim = config_.dim;
  ThreadWork& w = work(me);
  kernels::norm_row_fast(x_.data() + row * dim, dim, final_norm_.params(), w.xb.data());
  quantize(me, w.xb.data(), 1, dim, head_in_);
  linear(me, head_, 1, logits_.data());
}

void IntDecoder::run_block(const int* tokens, std::int64_t rows, std::int64_t pos0,
                           std::int64_t logits_row) {
  const DecoderConfig& c = config_;
  const std::int64_t dim = c.dim;
  const int threads = team_size();
  resize_work(rows, threads);
  logits_.resize(static_cast<std::size_t>(c.vocab));
  std::int32_t* position = thread_work_[0].xb.data();
  for (std::int64_t t = 0; t < rows; ++t) {
    std::int32_t* x = x_.data() + t * dim;
    kernels::dequantize_row(embedding_.data() + tokens[t] * dim, dim,
                            embedding_mul_[static_cast<std::size_t>(tokens[t])], x);
    if (c.architecture == Architecture::gpt2_decoder) {
      const std::int64_t pos = pos0 + t;
      kernels::dequantize_row(positions_.data() + pos * dim, dim,
                              positions_mul_[static_cast<std::size_t>(pos)], position);
      kernels::add_row_fast(position, dim, x);
    }
  }
  // One parallel region for the whole block: the steps inside synchronise with the team's
  // barriers (kernels/thread_team.h), not with a region each.
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    const Member me = Member::current(*team_);
    for (std::int64_t l = 0; l < c.layers; ++l) {
      Layer& layer = layers_[static_cast<std::size_t>(l)];
      attention(me, layer, l, rows, pos0);
      ffn(me, layer, rows);
    }
    if (logits_row >= 0) head(me, logits_row);
  }
  next_pos_ = pos0 + rows;
}

std::vector<float> IntDecoder::float_logits() const {
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
  run_block(&token, 1, pos, 0);
  return float_logits();
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
    run_block(tokens.data() + done, rows, next_pos_, done + rows == n ? rows - 1 : -1);
  }
  return float_logits();  // of the last row of the last block
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

std::vector<std::int64_t> greedy_tokens(IntDecoder& model, std::span<const int> prompt,
                                        std::int64_t new_tokens) {
  model.reset();
  model.prefill(prompt);
  std::vector<std::int64_t> out;
  for (std::int64_t n = 0; n < new_tokens; ++n) {
    if (n > 0) {
      model.forward(static_cast<int>(out.back()),
                    static_cast<int>(static_cast<std::int64_t>(prompt.size()) + n - 1));
    }
    out.push_back(model.greedy_token());
  }
  return out;
}

}  // namespace atl::model
