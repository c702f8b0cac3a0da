// Integer LayerNorm (I-BERT), one token row x [C] at a time (int32 in, int32 out):
//   sum    = sum_c x[c]                                  int64
//   mean   = sum / C rounded to nearest, ties toward zero
//   d[c]   = x[c] - mean
//   var    = sum_c (d[c] >> shift)^2                     (arithmetic shift = floor)
//   sd     = isqrt_newton(var): leading-one guess 2^ceil(bits(var)/2), then 4 Newton steps
//            x <- min(x, (x + var / x) >> 1)              (the hardware's square root)
//   factor = floor(2^31 / (sd << shift))                 (2^31 when sd << shift == 0)
//   y[c]   = (d[c] * factor) >> 1                        golden layernorm/y_int
//   out[c] = saturate_int32(y[c] + bias[c])              golden layernorm/output
// isqrt_newton(v) == floor(sqrt(v)) except for some v with an odd bit count >= 25 (all of them
// near perfect squares, +1); see docs/kernels.md.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace atl::kernels {

struct LayerNormParams {
  int shift = 0;                   // right shift before squaring
  std::vector<std::int64_t> bias;  // per channel
};

// floor(sqrt(v)), exact.
std::uint64_t isqrt_exact(std::uint64_t v);

// The hardware square root: leading-one initial guess and `iterations` guarded Newton steps.
std::uint64_t isqrt_newton(std::uint64_t v, int iterations = 4);

void validate(const LayerNormParams& p, std::int64_t channels, const std::string& what);

// One row by the definition (128-bit arithmetic); the fast path is tested against it.
void layernorm_row_ref(std::span<const std::int32_t> x, const LayerNormParams& p,
                       std::span<std::int32_t> out, std::span<std::int32_t> y_int = {});

// One row (64-bit vectorised path when the row's range proves it exact, else the definition):
// x [C] -> out [C]; y_int (optional, [C]) receives the value before the bias.
void layernorm_row(std::span<const std::int32_t> x, const LayerNormParams& p,
                   std::span<std::int32_t> out, std::span<std::int32_t> y_int = {});

// True when every bias is below 2^61 in magnitude and 0 <= shift <= 31: the precondition of
// layernorm_row_i64.
bool layernorm_fits_int64(const LayerNormParams& p);

// The 64-bit path for one row of n = bias.size() channels; y_int must hold n values (scratch if
// unwanted). Returns false, writing nothing, when the row's range needs the 128-bit definition.
bool layernorm_row_i64(const std::int32_t* x, std::size_t n, const LayerNormParams& p,
                       std::int32_t* out, std::int32_t* y_int);

// x [rows, C] -> [rows, C].
core::Tensor<std::int32_t> layernorm(const core::Tensor<std::int32_t>& x, const LayerNormParams& p);

}  // namespace atl::kernels
