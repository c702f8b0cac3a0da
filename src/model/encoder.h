// The I-BERT encoder on integers, with the dataflow of the multi-FPGA design (and of the golden
// data): Q/K/V -> per-head attention -> concat -> output projection + QuantAct (int32) ->
// residual + LayerNorm -> FFN1 + GELU -> FFN2 + QuantAct (int32) -> residual + LayerNorm.
//
// The one executable description of a kernel is its stage list in the graph (graph/architecture.h),
// which the software FPGA nodes run stage by stage (platform/stage_pipeline.h). The
// single-process reference (Encoder::forward) runs the same kernels batched for speed (Q, K and V
// in one GEMM, all heads in one oneDNN call, the requantisation of a linear fused with the next
// kernel's residual and LayerNorm); tests/model/encoder_fast_path_test.cpp checks it against
// the plain kernel definitions, and tests/platform/stage_pipeline_test.cpp against the graph's
// kernels run stage by stage. Rows are tokens throughout.
#pragma once

#include <cstdint>
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

// One head's attention probabilities by the plain kernels (attention_matmul, mask, softmax):
// q_h, k_h [tokens, head_dim] -> [tokens, tokens]; key columns >= valid_tokens are masked.
U8 attention_head(const I8& q_h, const I8& k_h, const kernels::SoftmaxParams& softmax,
                  std::int64_t valid_tokens);

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
