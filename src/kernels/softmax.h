// Integer softmax (I-BERT i-exp), one row of attention scores at a time.
//
//   max   = max_j s[j]                                   (masked entries included)
//   d[j]  = s[j] - max, or stays kMaskedScore (INT32_MIN) when s[j] is masked
//   x     = max(d[j], n * x0)                            n = "const" (30), x0 < 0
//   q     = x / x0  (truncating; x <= 0, x0 < 0, so q = floor(|x| / |x0|), 0 <= q <= n)
//   r     = x - x0 * q                                   (x0 < r <= 0)
//   exp   = max(0, ((r + b) * r + c) << (n - q))         int64 (golden softmax/input_h)
//   e16   = saturate_int16(round_half_even(exp * m / 2^e)) the internal QuantAct (16 bit)
//   sum   = sum_j e16[j]
//   p[j]  = min(255, floor((e16[j] << 8) / sum))          uint8 (golden softmax/output_h)
// Masked entries take the clamp path (exp = c, e16 = 0 for the I-BERT constants). A row whose
// mass sits on one element gives (e16 << 8) / sum = 256, clamped to 255. sum == 0 (impossible
// with I-BERT constants) gives all zeros.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/tensor.h"

namespace atl::kernels {

struct SoftmaxParams {
  std::int64_t x0 = 0;  // x0 = floor(-ln2 / scale), negative
  std::int64_t b = 0;   // polynomial coefficients (integer)
  std::int64_t c = 0;
  int n = 30;          // "const": the exponent range (shift = n - q)
  std::int64_t m = 0;  // 16-bit QuantAct multiplier
  int e = 0;           // 16-bit QuantAct shift
};

// Throws core::Error (naming `what`) unless x0 < 0 and 0 <= n <= 62.
void validate(const SoftmaxParams& p, const std::string& what);

// i-exp of one difference d = s - max (d <= 0 or kMaskedScore).
std::int64_t softmax_exp(std::int64_t d, const SoftmaxParams& p);

// One row by the definition (kernels/hls/softmax.h); the fast path is tested against it.
void softmax_row_ref(std::span<const std::int32_t> scores, const SoftmaxParams& p,
                     std::span<std::uint8_t> out, std::span<std::int64_t> exp_out = {},
                     std::span<std::int32_t> e16_out = {});

// One row: scores [cols] -> probabilities [cols], by a vectorised 64-bit path when the
// parameters prove it exact (softmax.cpp), else by the definition. exp_out / e16_out (optional,
// [cols]) receive the intermediates.
void softmax_row(std::span<const std::int32_t> scores, const SoftmaxParams& p,
                 std::span<std::uint8_t> out, std::span<std::int64_t> exp_out = {},
                 std::span<std::int32_t> e16_out = {});

// rows x cols scores (row-major) -> probabilities, with columns >= valid_cols masked first
// (mask_scores) without modifying `scores`; rows are split over the OpenMP threads.
void softmax_rows(const std::int32_t* scores, std::int64_t rows, std::size_t cols,
                  std::int64_t valid_cols, const SoftmaxParams& p, std::uint8_t* out);

// scores [rows, cols] -> [rows, cols].
core::Tensor<std::uint8_t> softmax(const core::Tensor<std::int32_t>& scores,
                                   const SoftmaxParams& p);

}  // namespace atl::kernels
