// One kernel of a decoder graph as a software node runs it (graph/decoder_blocks.h): its slice of
// the calibrated tables (decoder_tables.h) and, for an attention head, its state: the int8 KV
// cache of its K/V head, as model::IntDecoder quantises it. Each step (platform/message.h: first
// position, rows) it takes the rows of its input ports and gives its output rows; every
// operation is the kernels/ function IntDecoder calls on the same integers, so the nodes' tokens
// are IntDecoder's.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "graph/graph.h"
#include "kernels/int8_matrix.h"
#include "platform/decoder_tables.h"

namespace atl::platform {

// One step's rows: the tokens at positions first .. first + rows - 1.
struct Step {
  std::int64_t first = 0;
  std::int64_t rows = 0;
};

// The rows a kernel's step computes into and its working space: nothing a kernel keeps from one
// step to the next. One is shared by every kernel a thread runs, so the same few buffers stay in
// the cache from kernel to kernel (a decode step of a tensor-parallel plan runs ~170 small
// kernels; with buffers of their own, each step began with cache misses on them). Grown to the
// largest step seen, it then allocates nothing.
struct DecoderScratch {
  std::vector<std::int32_t> out;   // the step's output rows
  std::vector<std::int32_t> acc;   // a product's accumulators
  std::vector<std::int32_t> a, b;  // int32 rows: SwiGLU's [gate | up] rows, the head's logits,
                                   // a reduce's sum and requantised row, the GPT-2 position row
  std::vector<std::int8_t> x8;     // quantised input rows
  std::vector<kernels::ActScale> scales;
  std::vector<std::int64_t> scores;  // an attention head's scores and context accumulators
};

class DecoderKernel {
 public:
  // Cuts the kernel's tables from `tables` (whose shape must be the graph's). Throws core::Error
  // naming the kernel when its stages are not those of its role or its slice does not exist.
  DecoderKernel(const graph::Kernel& kernel, const DecoderTables& tables);

  // Runs one step on the ports' rows (`in[p]`: the rows of port p, its streams concatenated,
  // int32) and returns the output rows (rows x the kernel's out_bytes_per_token) in
  // `scratch.out`, valid until the scratch's next use. Throws core::Error for a step its state
  // cannot take: an attention head refuses a first position beyond the positions its cache holds
  // ("step at position P, cache holds Q"), and any kernel a step past the context; a token id
  // outside the vocabulary; input rows of the wrong size.
  const std::vector<std::int32_t>& run(Step step, std::span<const std::vector<std::int32_t>> in,
                                       DecoderScratch& scratch);

  // Positions in the attention cache (0 for the other kernels).
  std::int64_t cached() const { return cached_; }

 private:
  // W8A8 linear of `rows` rows x [rows][n] (each quantised at its own max |x|) into
  // y [rows][y_stride] (the matrix's outputs at the start of each row).
  void linear_rows(const kernels::Int8Matrix& w, const std::int32_t* x, std::int64_t n,
                   const std::vector<kernels::Multiplier>& mul,
                   const std::vector<std::int32_t>& bias, std::int64_t rows, std::int32_t* y,
                   std::int64_t y_stride, DecoderScratch& scratch) const;
  // The attention, partial and reduce kernels' steps, into scratch.out.
  void attend(Step step, const std::vector<std::int32_t>& q, const std::vector<std::int32_t>& kv,
              DecoderScratch& scratch);
  void partial(Step step, const std::vector<std::int32_t>& x,
               const std::vector<std::int32_t>& maxima, DecoderScratch& scratch) const;
  void reduce(Step step, const std::vector<std::int32_t>& partials,
              const std::vector<std::int32_t>& residual, DecoderScratch& scratch) const;

  const graph::Kernel& kernel_;
  const DecoderTables& t_;
  int index_ = 0;                 // the role index (graph::decoder::Index)
  std::int64_t lo_ = 0, hi_ = 0;  // the kernel's channel slice (outputs; inputs of a partial)
  std::int64_t in_width_ = 0;     // port 0 row in int32 (partials: the slice; maxima on port 1)
  std::int64_t parts_ = 0;        // reduce: partial rows summed
  std::optional<kernels::Int8Matrix> w_;  // the weights (SwiGLU's ffn_up: gate rows, up rows)
  std::vector<kernels::Multiplier> mul_;
  std::vector<std::int32_t> bias_;
  const DecoderNorm* norm_ = nullptr;
  // Attention: query heads served, KV heads cached; [max_seq][kv heads][head_dim] int8 K and V
  // with one scale per position and KV head.
  std::int64_t served_ = 0, kv_heads_ = 0;
  std::vector<std::int8_t> k_cache_, v_cache_;
  std::vector<kernels::ActScale> k_scale_, v_scale_;
  std::int64_t cached_ = 0;
};

}  // namespace atl::platform
