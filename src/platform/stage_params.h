// Where a kernel's stage parameters come from: the weights of the kernel's layer, chosen by its
// role and the stage's type, cut to its tensor-parallel part. E.g. stage quant_act of an
// out_proj kernel is self_output/act_linear (m, e) to int32, stage residual_act of ln_attn is
// the same folder's (m1, e1) applied to the residual (reference-system.md §2.4).
#pragma once

#include <cstddef>

#include "graph/graph.h"
#include "model/weights.h"
#include "platform/stage.h"

namespace atl::platform {

// The prepared parameters of stage `index` of `kernel`. Throws core::Error naming the kernel
// when its layer, head or part does not exist in `weights` or its role has no such stage.
StageParams stage_params(const graph::Kernel& kernel, std::size_t index,
                         const model::EncoderWeights& weights);

// A linear stage's int8 weight [rows, in] and int32 bias, cut to the kernel's part and not
// prepared for oneDNN: what the generated hardware holds (codegen/weights_hpp.h). Throws as
// stage_params does, and (internal) when stage `index` is not a linear.
model::Linear stage_linear(const graph::Kernel& kernel, std::size_t index,
                           const model::EncoderWeights& weights);

}  // namespace atl::platform
