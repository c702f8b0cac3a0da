// The I-BERT encoder on integers, with the dataflow of the multi-FPGA design (and of the golden
// data): Q/K/V -> per-head attention -> concat -> output projection + residual -> LayerNorm ->
// FFN1 + GELU -> FFN2 + residual -> LayerNorm.
//
// The encoder is written as one function per graph role (graph/graph.h), which the software FPGA
// nodes (platform/) call. The single-process reference (Encoder::forward) runs the same kernels
// batched for speed (all heads in one oneDNN call, fused row stages);
// tests/model/encoder_fast_path_test.cpp checks that it equals the role functions' composition,
// so a distributed run is bit-exact once its data movement is right. Rows are tokens throughout.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "core/tensor.h"
#include "kernels/attention_plan.h"
#include "kernels/linear.h"
#include "model/weights.h"

namespace atl::model {

using I8 = core::Tensor<std::int8_t>;
using I32 = core::Tensor<std::int32_t>;
using U8 = core::Tensor<std::uint8_t>;

// Output channels [begin, end) of a tensor-parallel part.
struct Channels {
  std::int64_t begin = 0;
  std::int64_t end = 0;
};

// Per-channel tables restricted to a part's channels (per-tensor tables are kept as they are).
kernels::QuantActParams slice(const kernels::QuantActParams& p, Channels c);
kernels::GeluParams slice(const kernels::GeluParams& p, Channels c);

// --- one function per role -------------------------------------------------------------
// q/k/v (and any linear followed by a QuantAct): int8 x -> int8.
I8 linear_act(const kernels::LinearPlan& linear, const kernels::QuantActParams& act, const I8& x);
// attention (one head): q_h, k_h [tokens, head_dim] -> probabilities [tokens, tokens].
// Key columns >= valid_tokens are masked (padding).
U8 attention_head(const I8& q_h, const I8& k_h, const kernels::SoftmaxParams& softmax,
                  std::int64_t valid_tokens);
// context (one head): P [tokens, tokens], v_h [tokens, head_dim] -> int8 [tokens, head_dim].
I8 context_head(const U8& p, const I8& v_h, const kernels::QuantActParams& act_out);
// The same two with the matmuls of a one-head AttentionPlan (oneDNN where exact): equal results,
// several times faster than the plain loops above, which stay the definition.
U8 attention_head(const kernels::AttentionPlan& head, const I8& q_h, const I8& k_h,
                  const kernels::SoftmaxParams& softmax, std::int64_t valid_tokens);
I8 context_head(const kernels::AttentionPlan& head, const U8& p, const I8& v_h,
                const kernels::QuantActParams& act_out);
// out_proj / ffn2: int8 -> int32 (no activation: the residual act requantises it).
I32 linear_only(const kernels::LinearPlan& linear, const I8& x);
// ln_attn / ln_ffn: residual act (x + identity) -> LayerNorm -> QuantAct -> int8.
I8 residual_layernorm(const I32& x, const I8& identity, const kernels::ResidualActParams& res,
                      const kernels::LayerNormParams& ln, const kernels::QuantActParams& act);
// ffn1: linear -> GELU -> QuantAct -> int8.
I8 linear_gelu_act(const kernels::LinearPlan& linear, const kernels::GeluParams& gelu,
                   const kernels::QuantActParams& act, const I8& x);

// Columns [h*d, (h+1)*d) of x: one head's slice (the GMI scatter of one flit per head).
I8 head_columns(const I8& x, std::int64_t head, std::int64_t head_dim);

// Time spent per kernel kind during a forward, for the CLI and benchmarks.
struct StageTimes {
  double linear_ms = 0, attention_ms = 0, nonlinear_ms = 0;
};

// The single-process reference: weights plus their prepared oneDNN linears. Invariant: the
// plans are built from exactly these weights.
class Encoder {
 public:
  explicit Encoder(EncoderWeights weights);

  const EncoderWeights& weights() const { return weights_; }
  const ModelConfig& config() const { return weights_.config; }

  // x: int8 hidden states [tokens, hidden], tokens <= seq_len -> the last layer's int8 output.
  // Only the first `valid_tokens` rows are real tokens (0: all); the rest are padding whose key
  // columns the softmax masks, as the hardware does with the header's unpadded N.
  // Rows and heads are split over the OpenMP threads; results do not depend on their number.
  I8 forward(const I8& x, StageTimes* times = nullptr, std::int64_t valid_tokens = 0) const;
  I8 layer(std::size_t index, const I8& x, StageTimes* times = nullptr,
           std::int64_t valid_tokens = 0) const;

 private:
  struct Plans {
    kernels::LinearPlan qkv;  // Q, K and V stacked: one [3*hidden, hidden] GEMM (better AMX use)
    kernels::LinearPlan out, ffn1, ffn2;
  };
  EncoderWeights weights_;
  std::vector<Plans> plans_;
  kernels::AttentionPlan attention_;  // all heads' matmuls, one primitive pair per token count
};

}  // namespace atl::model
