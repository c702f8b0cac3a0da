// Fused row pipelines for the encoder's non-linear stages. Each token row runs through the
// kernels while it sits in L1 (one int8 output tensor, no int32 intermediates in memory), rows
// split over the OpenMP threads. Results equal calling the kernels one after another on whole
// tensors, bit for bit (tests compare both on random data); when a 64-bit fast path is not
// provably exact for the parameters, that composition is what runs.
#pragma once

#include <cstdint>
#include <span>

#include "core/tensor.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/quant_act.h"
#include "kernels/residual_act.h"

namespace atl::kernels {

// ln_attn / ln_ffn: residual_act(x, identity).output -> layernorm -> quant_act -> int8.
// x [rows, C] int32, identity [rows, C] int8.
core::Tensor<std::int8_t> residual_layernorm_act(const core::Tensor<std::int32_t>& x,
                                                 const core::Tensor<std::int8_t>& identity,
                                                 const ResidualActParams& res,
                                                 const LayerNormParams& ln,
                                                 const QuantActParams& act);

// The same with x as a raw row-major buffer of identity.size() values (a linear's output
// written by LinearPlan::run into a reused, not zero-filled buffer).
core::Tensor<std::int8_t> residual_layernorm_act(std::span<const std::int32_t> x,
                                                 const core::Tensor<std::int8_t>& identity,
                                                 const ResidualActParams& res,
                                                 const LayerNormParams& ln,
                                                 const QuantActParams& act);

// The tail of ffn1: gelu -> quant_act -> int8. x [rows, C] int32.
core::Tensor<std::int8_t> gelu_act(const core::Tensor<std::int32_t>& x, const GeluParams& gelu,
                                   const QuantActParams& act);
// The same with x as a raw row-major buffer of rows x cols values.
core::Tensor<std::int8_t> gelu_act(std::span<const std::int32_t> x, std::int64_t cols,
                                   const GeluParams& gelu, const QuantActParams& act);

}  // namespace atl::kernels
