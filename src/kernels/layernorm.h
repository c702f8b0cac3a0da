// Integer LayerNorm (I-BERT), one token row x [C] at a time (int32 in, int32 out):
//   sum    = sum_c x[c]                                  int64
//   mean   = sum / C rounded to nearest, ties to even    (layernorm_mean)
//   d[c]   = x[c] - mean
//   var    = sum_c (d[c] >> shift)^2                     (arithmetic shift = floor)
//   sd     = isqrt_exact(var) = floor(sqrt(var))         (I-BERT's I-SQRT)
//   factor = floor(2^31 / (sd << shift))                 (2^31 when sd << shift == 0)
//   y[c]   = (d[c] * factor) >> 1                        golden layernorm/y_int
//   out[c] = saturate_int32(y[c] + bias[c])              golden layernorm/output
// The two rules the seed hardware does differently follow the I-BERT model (ibert-reference.md §8):
// its mean is torch.round(mean), ties to even, where the hardware rounds ties toward zero (a real
// layer-6 row of the model has sum mod 768 = 384 and needs the model's rule); its square root is
// the exact integer square root, where the hardware takes 4 guarded Newton steps, which are 1 too
// large for some var >= 2^24 near perfect squares (isqrt_newton). See docs/kernels.md.
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

// floor(sqrt(v)), exact: I-BERT's I-SQRT (Newton from 2^ceil(bits/2) until it stops decreasing).
std::uint64_t isqrt_exact(std::uint64_t v);

// A fixed number of guarded Newton steps from the same guess, the form an HLS kernel unrolls.
// The seed hardware takes 4, which is not enough (docs/kernels.md); 5 equal isqrt_exact for every
// v < 2^32.
std::uint64_t isqrt_newton(std::uint64_t v, int iterations);

// sum / n rounded to nearest, ties to even (n > 0): the LayerNorm mean.
std::int64_t layernorm_mean(std::int64_t sum, std::int64_t n);

void validate(const LayerNormParams& p, std::int64_t channels, const std::string& what);

// One row by the definition (kernels/hls/layernorm.h); the fast path is tested against it.
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
// unwanted). Returns false, writing nothing, when the row's range needs the definition.
bool layernorm_row_i64(const std::int32_t* x, std::size_t n, const LayerNormParams& p,
                       std::int32_t* out, std::int32_t* y_int);

// x [rows, C] -> [rows, C].
core::Tensor<std::int32_t> layernorm(const core::Tensor<std::int32_t>& x, const LayerNormParams& p);

}  // namespace atl::kernels
