// AttentionMatmul (per head): scores = Q * K^T, int8 x int8 -> exact int32.
//     s[i][j] = sum_d q[i][d] * k[j][d]           q: [rows, d], k: [cols, d]
// No scaling, rounding or saturation (|s| <= d * 2^14). The key-padding mask is a separate step
// (mask_scores): columns j >= valid_cols are set to kMaskedScore (INT32_MIN, the hardware's
// "-inf"), on every row; the softmax treats that value as masked. The golden
// attention_matmul/output_h is the unmasked product; softmax/soft_input_h is the masked one.
#pragma once

#include <cstdint>
#include <limits>
#include <span>

#include "core/tensor.h"

namespace atl::kernels {

inline constexpr std::int32_t kMaskedScore = std::numeric_limits<std::int32_t>::min();

// One row of scores: q_row [d], k [cols, d] -> out [cols].
void attention_matmul_row(std::span<const std::int8_t> q_row, const core::Tensor<std::int8_t>& k,
                          std::span<std::int32_t> out);

// q [rows, d], k [cols, d] -> [rows, cols].
core::Tensor<std::int32_t> attention_matmul(const core::Tensor<std::int8_t>& q,
                                            const core::Tensor<std::int8_t>& k);

// Sets row[j] = kMaskedScore for j >= valid_cols (valid_cols >= row.size(): no change).
void mask_scores_row(std::span<std::int32_t> row, std::int64_t valid_cols);

// Masks every row in place.
void mask_scores(core::Tensor<std::int32_t>& scores, std::int64_t valid_cols);

}  // namespace atl::kernels
