// One pipeline stage of a graph kernel as executable code: each graph::StageType has exactly one
// kernel function (kernels/), and run_stage is the dispatcher from the type to it. A software
// node runs its kernel's stages in order (platform/stage_pipeline.h); the cost model has one
// formula per type (cost/kernel_cost.cpp), so the graph's stage list is the one description
// that cost, map, sim, report and the nodes share.
//
// What each stage takes and gives (rows are tokens; `operand` is the kernel's input port 1):
//   linear            int8 -> int32            kernels::LinearPlan (= linear_ref)
//   quant_act         int32 -> int8 or int32   kernels::quant_act (out_bits <= 8: int8)
//   residual_act      int32 + operand int8 -> int32   kernels::identity_add (IdentityQuantAct
//                     of the residual + IdentityAdd; the main input arrives requantised)
//   attention_matmul  int8 Q + operand int8 K -> int32 scores   one-head AttentionPlan
//                     (= kernels::attention_matmul)
//   softmax           int32 -> uint8           kernels::softmax_rows; key columns >= the
//                     message's valid rows are masked
//   softmax_matmul    uint8 P + operand int8 V -> int32   one-head AttentionPlan
//                     (= kernels::softmax_matmul)
//   concat            passes its input on: the node's GMI gather already concatenated the
//                     sources in ID order (= kernels::concat)
//   gelu              int32 -> int32           kernels::gelu
//   layernorm         int32 -> int32           kernels::layernorm
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "core/npy.h"
#include "core/tensor.h"
#include "graph/graph.h"
#include "kernels/attention_plan.h"
#include "kernels/gelu.h"
#include "kernels/layernorm.h"
#include "kernels/linear.h"
#include "kernels/quant_act.h"
#include "kernels/softmax.h"

namespace atl::platform {

// One sequence's rows between two stages.
using StageValue =
    std::variant<core::Tensor<std::int8_t>, core::Tensor<std::uint8_t>, core::Tensor<std::int32_t>>;

// A stage's parameters, prepared: the linear's oneDNN plan, the attention matmuls' one-head
// plan, or a table. quant_act and residual_act both hold QuantActParams (residual_act: the
// identity's m1, e1).
using StageParams = std::variant<std::monostate, kernels::LinearPlan, kernels::AttentionPlan,
                                 kernels::QuantActParams, kernels::SoftmaxParams,
                                 kernels::GeluParams, kernels::LayerNormParams>;

// True for the stages that take the kernel's second input (port 1).
bool takes_operand(graph::StageType type);

// The element type a stage takes on its main input, and the one it gives with `params`.
core::DType input_dtype(graph::StageType type);
core::DType output_dtype(graph::StageType type, const StageParams& params);

// Runs one stage. `operand` is the port-1 input of the stages that take one (else ignored),
// `valid_rows` the message's real tokens (the softmax masks the other key columns). Throws
// core::Error naming `kernel` when the values or parameters do not fit the stage.
StageValue run_stage(graph::StageType type, const StageParams& params, StageValue in,
                     const StageValue* operand, std::int64_t valid_rows, const std::string& kernel);

}  // namespace atl::platform
