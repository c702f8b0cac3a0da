// A graph kernel as its FPGA runs it: the kernel's stages (graph::Kernel::stages) in order, each
// with its parameters from the weights (stage_params.h) and its one kernel function (stage.h).
// The stage list is the description; nothing here re-describes a role's pipeline. Where
// consecutive stages match a fused pattern, a fast path runs them in one go:
//   linear, quant_act                      the linear's int32 rows go to a buffer that is not
//                                          zero-filled and are requantised from there
//   linear, gelu, quant_act (int8)         the same with kernels::gelu_act (fused.h)
//   residual_act, layernorm, quant_act (int8)  kernels::identity_add_layernorm_act, row by row
// giving the same integers as the stages one by one (tests/platform/stage_pipeline_test.cpp).
#pragma once

#include <cstddef>
#include <vector>

#include "graph/graph.h"
#include "model/weights.h"
#include "platform/message.h"
#include "platform/stage.h"

namespace atl::platform {

class StagePipeline {
 public:
  enum class Fusion { fused, stage_by_stage };

  // Throws core::Error naming the kernel when its stages are not those of its role
  // (graph::stage_types), when its layer, head or part does not exist in `weights`, or when its
  // last stage does not give the graph's out_dtype. Source and sink kernels compute nothing.
  StagePipeline(const graph::Kernel& kernel, const model::EncoderWeights& weights,
                Fusion fusion = Fusion::fused);

  // OpenMP threads the kernel's task should use, 0 for the default. One attention head is too
  // little work to split: a one-thread head does not wake an OpenMP team for every matmul and
  // softmax, which, for the 24 head kernels of an encoder, cost more than it saved (six-node
  // run ~5% faster).
  int threads() const;

  // `ports[p]`: the assembled message on input port p (port 1: the operand of the stage that
  // takes one). Returns the output message (all rows; valid rows as on port 0).
  Message run(const std::vector<Message>& ports) const;

 private:
  enum class Step { stage, linear_act, linear_gelu_act, norm };
  struct Block {
    Step step = Step::stage;
    std::size_t first = 0;  // index of its first stage
  };
  StageValue run_block(const Block& b, StageValue in, const StageValue* operand,
                       std::int64_t valid_rows) const;

  const graph::Kernel& kernel_;
  std::vector<StageParams> params_;  // one per stage
  std::vector<Block> blocks_;
};

}  // namespace atl::platform
