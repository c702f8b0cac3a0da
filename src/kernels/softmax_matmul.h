// SoftmaxMatmul (per head): context = P * V, uint8 probabilities x int8 values -> exact int32.
//     o[i][t] = sum_j p[i][j] * v[j][t]          p: [rows, cols] uint8, v: [cols, d] int8
// No rounding or saturation (|o| <= cols * 255 * 128).
#pragma once

#include <cstdint>
#include <span>

#include "core/tensor.h"

namespace atl::kernels {

// One row: p_row [cols], v [cols, d] -> out [d].
void softmax_matmul_row(std::span<const std::uint8_t> p_row, const core::Tensor<std::int8_t>& v,
                        std::span<std::int32_t> out);

// p [rows, cols], v [cols, d] -> [rows, d].
core::Tensor<std::int32_t> softmax_matmul(const core::Tensor<std::uint8_t>& p,
                                          const core::Tensor<std::int8_t>& v);

}  // namespace atl::kernels
