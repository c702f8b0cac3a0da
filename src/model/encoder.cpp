#include "model/encoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <span>

#include "kernels/attention_matmul.h"
#include "kernels/fused.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/quant_act.h"
#include "kernels/residual_act.h"
#include "kernels/softmax.h"
#include "kernels/vectorize.h"

namespace atl::model {
namespace {

template <class T>
std::vector<T> slice_table(const std::vector<T>& v, Channels c) {
  if (v.size() == 1) return v;
  if (c.begin < 0 || c.end > static_cast<std::int64_t>(v.size()) || c.begin >= c.end) {
    throw core::Error(
        fmt::format("slice: channels [{}, {}) outside a table of {}", c.begin, c.end, v.size()));
  }
  return {v.begin() + c.begin, v.begin() + c.end};
}

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// quant_act of columns [begin, begin + n) of the rows of y (row stride `stride`): the Q, K or V
// part of the stacked QKV output.
I8 act_columns(const std::int32_t* y, std::int64_t rows, std::int64_t stride, std::int64_t begin,
               std::int64_t n, const kernels::QuantActParams& act) {
  kernels::validate(act, n, "act_columns");
  I8 out({rows, n});
  if (!kernels::fits_int64(act) || act.out_bits > 8) {
    for (std::int64_t r = 0; r < rows; ++r) {
      kernels::quant_act_row_ref<std::int32_t, std::int8_t>(
          {y + r * stride + begin, static_cast<std::size_t>(n)}, act, out.row(r));
    }
    return out;
  }
#pragma omp parallel for schedule(static) if (rows * n >= kernels::kMinParallelElements)
  for (std::int64_t r = 0; r < rows; ++r) {
    kernels::quant_act_row_i64(y + r * stride + begin, static_cast<std::size_t>(n), act,
                               out.row(r).data());
  }
  return out;
}

}  // namespace

kernels::QuantActParams slice(const kernels::QuantActParams& p, Channels c) {
  return {slice_table(p.m, c), slice_table(p.e, c), p.out_bits};
}

kernels::GeluParams slice(const kernels::GeluParams& p, Channels c) {
  return {slice_table(p.b, c), slice_table(p.c, c), slice_table(p.shift, c), p.k};
}

U8 attention_head(const I8& q_h, const I8& k_h, const kernels::SoftmaxParams& softmax,
                  std::int64_t valid_tokens) {
  I32 scores = kernels::attention_matmul(q_h, k_h);
  kernels::mask_scores(scores, valid_tokens);
  return kernels::softmax(scores, softmax);
}

I8 head_columns(const I8& x, std::int64_t head, std::int64_t head_dim) {
  I8 out({x.dim(0), head_dim});
  for (std::int64_t r = 0; r < x.dim(0); ++r) {
    auto src = x.row(r).subspan(static_cast<std::size_t>(head * head_dim),
                                static_cast<std::size_t>(head_dim));
    std::copy(src.begin(), src.end(), out.row(r).begin());
  }
  return out;
}

Encoder::Encoder(EncoderWeights weights)
    : weights_(std::move(weights)), attention_(weights_.config.heads, weights_.config.head_dim()) {
  validate(weights_);
  plans_.reserve(weights_.layers.size());
  for (const auto& l : weights_.layers) {
    const std::int64_t h = l.q.weight.dim(0), in = l.q.weight.dim(1);
    I8 qkv({3 * h, in});
    std::vector<std::int32_t> bias;
    for (const Linear* part : {&l.q, &l.k, &l.v}) {
      std::copy(part->weight.values().begin(), part->weight.values().end(),
                qkv.data() + static_cast<std::int64_t>(bias.size()) * in);
      bias.insert(bias.end(), part->bias.begin(), part->bias.end());
    }
    plans_.push_back(Plans{{qkv, bias},
                           {l.out.weight, l.out.bias},
                           {l.ffn1.weight, l.ffn1.bias},
                           {l.ffn2.weight, l.ffn2.bias}});
  }
}

I8 Encoder::forward(const I8& x, StageTimes* times, std::int64_t valid_tokens) const {
  const auto& c = config();
  if (x.rank() != 2 || x.dim(1) != c.hidden || x.dim(0) < 1 || x.dim(0) > c.seq_len) {
    throw core::Error(
        fmt::format("input: expected int8 [tokens, {}] with 1 <= tokens <= {}, got {}", c.hidden,
                    c.seq_len, core::to_string(x.shape())));
  }
  if (valid_tokens < 0 || valid_tokens > x.dim(0)) {
    throw core::Error(fmt::format("input: {} valid tokens of {}", valid_tokens, x.dim(0)));
  }
  I8 h = x;
  for (std::size_t i = 0; i < weights_.layers.size(); ++i) h = layer(i, h, times, valid_tokens);
  return h;
}

I8 Encoder::layer(std::size_t index, const I8& x, StageTimes* times,
                  std::int64_t valid_tokens) const {
  const LayerWeights& w = weights_.layers.at(index);
  const Plans& p = plans_.at(index);
  const std::int64_t heads = config().heads, rows = x.dim(0);
  const std::int64_t tokens = valid_tokens > 0 ? valid_tokens : rows;
  StageTimes t;

  // The int32 outputs of the four GEMMs share one buffer per layer that, unlike a Tensor, is not
  // zero-filled (3.5 MB of memset per layer otherwise); each is consumed before the next GEMM.
  const std::int64_t hidden = config().hidden, inter = config().intermediate;
  const auto acc = std::make_unique_for_overwrite<std::int32_t[]>(
      static_cast<std::size_t>(rows * std::max(3 * hidden, inter)));
  const auto acc_span = [&](std::int64_t cols) {
    return std::span<const std::int32_t>(acc.get(), static_cast<std::size_t>(rows * cols));
  };

  auto t0 = Clock::now();
  p.qkv.run(x.data(), rows, acc.get());
  const I8 q = act_columns(acc.get(), rows, 3 * hidden, 0, hidden, w.act_q);
  const I8 k = act_columns(acc.get(), rows, 3 * hidden, hidden, hidden, w.act_k);
  const I8 v = act_columns(acc.get(), rows, 3 * hidden, 2 * hidden, hidden, w.act_v);
  t.linear_ms += ms_since(t0);

  // All heads at once: two batched int8 matmuls (oneDNN) around the row-parallel softmax; the
  // same integers as attention_head + context_head + concat per head (tests/model checks it).
  t0 = Clock::now();
  const I32 scores = attention_.scores(q, k);
  U8 probs(scores.shape());
  kernels::softmax_rows(scores.data(), heads * rows, static_cast<std::size_t>(rows), tokens,
                        w.softmax, probs.data());
  const I8 ctx = kernels::quant_act<std::int8_t>(attention_.context(probs, v), w.act_out);
  t.attention_ms += ms_since(t0);

  t0 = Clock::now();
  p.out.run(ctx.data(), rows, acc.get());
  t.linear_ms += ms_since(t0);
  // out_proj's QuantAct to int32 (res_attn.main) and ln_attn's residual_act, layernorm and
  // quant_act, fused into one pass over each row (kernels::residual_act computes both branches).
  t0 = Clock::now();
  I8 a = kernels::residual_layernorm_act(acc_span(hidden), x, w.res_attn, w.ln_attn, w.act_ln_attn);
  t.nonlinear_ms += ms_since(t0);

  t0 = Clock::now();
  p.ffn1.run(a.data(), rows, acc.get());
  t.linear_ms += ms_since(t0);
  t0 = Clock::now();
  const I8 g = kernels::gelu_act(acc_span(inter), inter, w.gelu, w.act_gelu);
  t.nonlinear_ms += ms_since(t0);
  t0 = Clock::now();
  p.ffn2.run(g.data(), rows, acc.get());
  t.linear_ms += ms_since(t0);
  t0 = Clock::now();  // ffn2's QuantAct (int32) + ln_ffn, fused the same way
  I8 out = kernels::residual_layernorm_act(acc_span(hidden), a, w.res_ffn, w.ln_ffn, w.act_ln_ffn);
  t.nonlinear_ms += ms_since(t0);

  if (times) {
    times->linear_ms += t.linear_ms;
    times->attention_ms += t.attention_ms;
    times->nonlinear_ms += t.nonlinear_ms;
  }
  return out;
}

}  // namespace atl::model
