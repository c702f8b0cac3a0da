// The residual stage of the LayerNorm kernels (graph::StageType::residual_act), as the seed
// hardware splits it (reference-system.md §2.4): the producing kernel (out_proj, ffn2) already
// ends in a QuantAct to int32 (golden act_linear/output0), and this stage requantises the int8
// residual (IdentityQuantAct, golden output1) and adds the two (IdentityAdd, golden output):
//     out1[c] = saturate_{out_bits}(requantize(identity[c], m1, e1))   per-tensor m1, e1
//     out[c]  = saturate_int32(x[c] + out1[c])                          x: int32 main input
// kernels::residual_act computes both branches from the raw linear output; applied to the same
// integers, quant_act (32 bit) followed by identity_add gives its output exactly.
#pragma once

#include <cstdint>
#include <span>

#include "core/tensor.h"
#include "kernels/layernorm.h"
#include "kernels/quant_act.h"

namespace atl::kernels {

// One row by the definition (kernels/hls/residual_act.h). out1 (optional) receives the requantised
// identity.
void identity_add_row_ref(std::span<const std::int32_t> x, std::span<const std::int8_t> identity,
                          const QuantActParams& p, std::span<std::int32_t> out,
                          std::span<std::int32_t> out1 = {});

// One row, by the 64-bit QuantAct path (quant_act_row_i64) when fits_int64(p), else the
// definition; same results.
void identity_add_row(std::span<const std::int32_t> x, std::span<const std::int8_t> identity,
                      const QuantActParams& p, std::span<std::int32_t> out);

// x [rows, C] int32, identity [rows, C] int8 -> [rows, C] int32; rows split over OpenMP threads.
core::Tensor<std::int32_t> identity_add(const core::Tensor<std::int32_t>& x,
                                        const core::Tensor<std::int8_t>& identity,
                                        const QuantActParams& p);

// The whole LayerNorm kernel fused per row: identity_add -> layernorm -> quant_act -> int8,
// each row in L1 (equal to the three stages on whole tensors). x holds identity.size() values.
core::Tensor<std::int8_t> identity_add_layernorm_act(std::span<const std::int32_t> x,
                                                     const core::Tensor<std::int8_t>& identity,
                                                     const QuantActParams& identity_act,
                                                     const LayerNormParams& ln,
                                                     const QuantActParams& act);

}  // namespace atl::kernels
