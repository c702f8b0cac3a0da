// AttentionPlan: both attention matmuls of all heads as two batched oneDNN int8 matmuls.
//
//     scores[h][i][j] = sum_d q[i][h*D + d] * k[j][h*D + d]          (= attention_matmul, head h)
//     context[i][h*D + t] = sum_j p[h][i][j] * v[j][h*D + t]         (= softmax_matmul + concat)
//
// Results equal the plain per-head kernels exactly (tests cross-check them on random and extreme
// values); those stay the definition. How, and why so:
// - oneDNN 2.6 takes the AMX/VNNI kernels (brg:avx512_core_amx_int8 here) only for dense
//   [heads, rows, cols] batches: strided descriptors straight into the [tokens, hidden] tensors
//   fall back to gemm:jit, measured ~100x slower, so the heads are repacked (a few 100 KB).
// - An s8 x s8 batch with plain (not pre-reordered) weights takes a slow compensation path, so
//   Q is shifted to u8 (q + 128) and the shift is removed exactly afterwards:
//   (q + 128) . k = q . k + 128 * sum_d k[j][d]   (all terms are far inside int32).
// - u8 x s8 products are exact int32 only with VNNI/AMX (vpdpbusd accumulates in 32 bits).
//   Without them oneDNN uses vpmaddubsw, whose 16-bit pair sums saturate (2 * 255 * 127 > 2^15);
//   on such CPUs the plan runs the plain loops instead (uses_onednn() == false).
#pragma once

#include <cstdint>
#include <memory>

#include "core/tensor.h"

namespace atl::kernels {

class AttentionPlan {
 public:
  AttentionPlan(std::int64_t heads, std::int64_t head_dim);
  ~AttentionPlan();
  AttentionPlan(AttentionPlan&&) noexcept;
  AttentionPlan& operator=(AttentionPlan&&) noexcept;
  AttentionPlan(const AttentionPlan&) = delete;
  AttentionPlan& operator=(const AttentionPlan&) = delete;

  std::int64_t heads() const;
  std::int64_t head_dim() const;
  // False when this CPU lacks exact u8 x s8 int8 dot products (VNNI/AMX): the plain loops run.
  bool uses_onednn() const;

  // q, k [tokens, heads*head_dim] int8 -> unmasked scores [heads, tokens, tokens] int32.
  core::Tensor<std::int32_t> scores(const core::Tensor<std::int8_t>& q,
                                    const core::Tensor<std::int8_t>& k) const;
  // p [heads, tokens, tokens] uint8, v [tokens, heads*head_dim] int8 -> the heads' contexts
  // concatenated in head order, [tokens, heads*head_dim] int32.
  core::Tensor<std::int32_t> context(const core::Tensor<std::uint8_t>& p,
                                     const core::Tensor<std::int8_t>& v) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace atl::kernels
