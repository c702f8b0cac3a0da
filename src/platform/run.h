// Running a plan on software FPGA nodes: every node of the cluster (or, under MPI/UDP, the
// nodes this process holds) with its kernels as threads, exchanging GMI packets through a
// transport. The result equals model::Encoder::forward on the same weights and input bit for
// bit, because every kernel calls the same role functions on the same integers.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/tensor.h"
#include "model/weights.h"
#include "plan/plan.h"
#include "platform/node.h"
#include "platform/transport.h"

namespace atl::platform {

struct RunOptions {
  // The whole run (after setup) must finish within this; every blocking wait gives up then.
  std::chrono::milliseconds timeout{30'000};
  // Called in each kernel's task just before it computes (tests inject faults by throwing).
  std::function<void(const graph::Kernel&)> before_compute;
};

struct RunResult {
  std::optional<core::Tensor<std::int8_t>> output;  // set where the sink kernel ran
  std::vector<NodeTraffic> nodes;                   // the nodes this process ran
  double setup_ms = 0;  // preparing kernels (weight slices, oneDNN plans)
  double run_ms = 0;    // from the first packet to the last kernel's end
};

// Throws core::Error unless `weights` and `input` fit the plan's graph (layers, widths,
// 1 <= tokens <= seq_len), naming what differs.
void check_run_inputs(const plan::Plan& plan, const model::EncoderWeights& weights,
                      const core::Tensor<std::int8_t>& input);

// Runs nodes `local` of the plan in this process over `transport` (which must reach all other
// nodes), after a barrier with the other processes. Every process passes the same input (only
// the one holding the source kernel injects it). Throws core::Error naming the node and kernel
// of the first failure; a failure stops every local task within the timeout.
RunResult run_nodes(const plan::Plan& plan, const model::EncoderWeights& weights,
                    const core::Tensor<std::int8_t>& input, std::span<const int> local,
                    Transport& transport, const RunOptions& options = {});

// Every node in this process over the in-process transport; the output is always set.
RunResult run_plan(const plan::Plan& plan, const model::EncoderWeights& weights,
                   const core::Tensor<std::int8_t>& input, const RunOptions& options = {});

}  // namespace atl::platform
