// Residual QuantAct (self_output/act_linear, output/act_linear): two requantised branches summed.
//     out0[c] = round_half_even(x[c]        * m[c] / 2^e[c])   x: int32 linear output (per channel)
//     out1[c] = round_half_even(identity[c] * m1   / 2^e1  )   identity: int8 residual (per tensor)
//     out[c]  = out0[c] + out1[c]                                int32 (saturating)
// Each branch saturates to main.out_bits / identity.out_bits (32 for the I-BERT encoder).
#pragma once

#include <cstdint>
#include <span>

#include "core/tensor.h"
#include "kernels/quant_act.h"

namespace atl::kernels {

struct ResidualActParams {
  QuantActParams main{{}, {}, 32};      // m, e applied to the linear output
  QuantActParams identity{{}, {}, 32};  // m1, e1 applied to the residual input
};

// The same by the definition (kernels/hls/residual_act.h); the fast path of residual_act_row is
// tested against it.
void residual_act_row_ref(std::span<const std::int32_t> x, std::span<const std::int8_t> identity,
                          const ResidualActParams& p, std::span<std::int32_t> out,
                          std::span<std::int32_t> out0 = {}, std::span<std::int32_t> out1 = {});

// One row (64-bit vectorised path when provably exact, see quant_act.h). out0/out1 (the two
// branches, golden files output0/output1) may be empty spans.
void residual_act_row(std::span<const std::int32_t> x, std::span<const std::int8_t> identity,
                      const ResidualActParams& p, std::span<std::int32_t> out,
                      std::span<std::int32_t> out0 = {}, std::span<std::int32_t> out1 = {});

// True when the 64-bit path applies: per-channel main table of n values, per-tensor identity
// table, both fits_int64 (quant_act.h).
bool residual_fits_int64(const ResidualActParams& p, std::size_t n);

// The 64-bit path for one row, the sum only (requires residual_fits_int64(p, n); unchecked).
void residual_act_row_i64(const std::int32_t* x, const std::int8_t* identity, std::size_t n,
                          const ResidualActParams& p, std::int32_t* out);

struct ResidualActResult {
  core::Tensor<std::int32_t> output;
  core::Tensor<std::int32_t> output0;  // main branch
  core::Tensor<std::int32_t> output1;  // identity branch
};

// Whole tensors x [rows, C] int32 and identity [rows, C] int8.
ResidualActResult residual_act(const core::Tensor<std::int32_t>& x,
                               const core::Tensor<std::int8_t>& identity,
                               const ResidualActParams& p);

}  // namespace atl::kernels
