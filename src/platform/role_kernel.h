// The computation of one graph kernel on whole messages: the model's role function
// (model/encoder.h, the code the single-process reference runs) applied to this kernel's slice
// of the weights. A tensor-parallel part of a linear holds only its output rows and their
// per-channel requantisation tables, as its FPGA would.
#pragma once

#include <optional>
#include <vector>

#include "graph/graph.h"
#include "kernels/attention_plan.h"
#include "kernels/linear.h"
#include "model/encoder.h"
#include "model/weights.h"
#include "platform/message.h"

namespace atl::platform {

class RoleKernel {
 public:
  // Throws core::Error naming the kernel when its layer, head or part does not exist in
  // `weights`. Source and sink kernels compute nothing.
  RoleKernel(const graph::Kernel& kernel, const model::EncoderWeights& weights);

  // OpenMP threads the kernel's task should use, 0 for the default. One attention head is too
  // little work to split: a one-thread head does not wake an OpenMP team for every matmul and
  // softmax, which, for the 24 head kernels of an encoder, cost more than it saved (six-node
  // run ~5% faster).
  int threads() const;

  // `ports[p]`: the assembled message on input port p. Returns the output message (all rows).
  Message run(const std::vector<Message>& ports) const;

 private:
  const graph::Kernel& kernel_;
  const model::LayerWeights* layer_ = nullptr;
  std::optional<kernels::LinearPlan> linear_;
  std::optional<kernels::AttentionPlan> head_;  // attention and context kernels: one head
  kernels::QuantActParams act_;
  kernels::GeluParams gelu_;
};

}  // namespace atl::platform
