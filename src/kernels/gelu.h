// Integer GELU (I-BERT i-GELU), per channel c with tables b[c] <= 0, c[c], shift[c]:
//   a    = min(|x|, -b)                              clip |x| at -b
//   sq   = (a + b)^2 + c                             int64
//   y    = floor(sign(x) * sq / 2^k)                 k = "const" (14); y = 0 when x == 0
//          (arithmetic shift: floor(-sq / 2^k) for x < 0, sq >> k for x > 0)
//   out  = saturate_int32(x * (y + shift))           golden gelu/output
//   sign = -1, 0, +1                                 golden gelu/sign
// (output_fp32 in the golden data is the float reference's dequantised GELU, a debug file.)
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace atl::kernels {

struct GeluParams {
  std::vector<std::int64_t> b;      // per channel (or one value), <= 0
  std::vector<std::int64_t> c;      // per channel (or one value)
  std::vector<std::int64_t> shift;  // per channel (or one value)
  int k = 14;                       // "const": right shift of the polynomial
};

// Throws core::Error (naming `what`) unless the tables have 1 or `channels` values each and
// every b <= 0, 0 <= k <= 62.
void validate(const GeluParams& p, std::int64_t channels, const std::string& what);

// One value of channel ch.
std::int64_t gelu_value(std::int64_t x, const GeluParams& p, std::size_t ch);

// True when gelu_row / gelu may use the vectorised 64-bit path (gelu.cpp explains the bounds):
// per-channel tables of n values, b in -2^31..0, |c| and |shift| < 2^61, k in 1..62.
bool gelu_fits_int64(const GeluParams& p, std::size_t n);

// The 64-bit path for one row of n channels (requires gelu_fits_int64(p, n); unchecked).
void gelu_row_i64(const std::int32_t* x, std::size_t n, const GeluParams& p, std::int32_t* y);

// One row by the definition (kernels/hls/gelu.h); the fast path is tested against it.
void gelu_row_ref(std::span<const std::int32_t> x, const GeluParams& p, std::span<std::int32_t> y,
                  std::span<std::int8_t> sign = {});

// One row: x [C] -> y [C]; sign (optional, [C]) receives sign(x). Same results as gelu_row_ref.
void gelu_row(std::span<const std::int32_t> x, const GeluParams& p, std::span<std::int32_t> y,
              std::span<std::int8_t> sign = {});

// x [rows, C] -> [rows, C].
core::Tensor<std::int32_t> gelu(const core::Tensor<std::int32_t>& x, const GeluParams& p);

}  // namespace atl::kernels
