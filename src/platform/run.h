// Running a plan on software FPGA nodes: every node of the cluster (or, under MPI/UDP, the
// nodes this process holds) with its kernels as threads, exchanging GMI packets through a
// transport. The result equals model::Encoder::forward on the same weights and input bit for
// bit, because every kernel runs the same integer kernels on the same integers.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "core/tensor.h"
#include "model/weights.h"
#include "plan/plan.h"
#include "platform/failure.h"
#include "platform/node.h"
#include "platform/ports.h"
#include "platform/transport.h"

namespace atl::platform {

// The longest run timeout accepted (one day): `atoll run --timeout` and `atoll node --timeout`
// take 0 < seconds <= this.
inline constexpr std::chrono::hours kMaxRunTimeout{24};

struct RunOptions {
  // The whole run (after setup) must finish within this; every blocking wait gives up then.
  // 1 ms to kMaxRunTimeout.
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

// Nodes `local` of a plan, set up once and then run on any number of sequences of `tokens`
// rows, one at a time, as a configured FPGA cluster is: setup (weight slices, oneDNN plans, one
// thread per kernel) happens in the constructor, and threads stay warm between sequences.
// `plan`, `weights` and `transport` must outlive the object. After a failure every later run()
// throws: the nodes' state is then unknown.
class SoftwareCluster {
 public:
  // Throws core::Error when the weights, `tokens` or the timeout do not fit, or naming the
  // kernel or node that cannot be prepared.
  SoftwareCluster(const plan::Plan& plan, const model::EncoderWeights& weights, std::int64_t tokens,
                  std::span<const int> local, Transport& transport, RunOptions options = {});
  // Every node of the plan, in this process, over an in-process transport of its own.
  SoftwareCluster(const plan::Plan& plan, const model::EncoderWeights& weights, std::int64_t tokens,
                  RunOptions options = {});
  ~SoftwareCluster();
  SoftwareCluster(const SoftwareCluster&) = delete;
  SoftwareCluster& operator=(const SoftwareCluster&) = delete;

  // One sequence, after a barrier with the other processes of the run (each passes the same
  // input; only the one holding the source kernel injects it). Throws core::Error (kind
  // failed) naming the node and kernel of the first failure; a failure stops every local task
  // within the timeout.
  RunResult run(const core::Tensor<std::int8_t>& input);
  double setup_ms() const { return setup_ms_; }

 private:
  const plan::Plan& plan_;
  const model::EncoderWeights& weights_;
  SoftwareCluster(const plan::Plan& plan, const model::EncoderWeights& weights, std::int64_t tokens,
                  std::span<const int> local, std::unique_ptr<Transport> owned,
                  Transport* transport, RunOptions options);

  std::int64_t tokens_;
  std::unique_ptr<Transport> owned_transport_;  // the in-process one, when this object made it
  Transport& transport_;
  RunOptions options_;
  Wiring wiring_;
  Failure failure_;  // declared before the nodes: their tasks report into it until they end
  std::mutex output_mutex_;
  std::optional<core::Tensor<std::int8_t>> output_;
  std::vector<std::unique_ptr<Node>> nodes_;
  double setup_ms_ = 0;
};

// One sequence on nodes `local` of the plan in this process over `transport` (which must reach
// all other nodes): a SoftwareCluster set up for this input, run once.
RunResult run_nodes(const plan::Plan& plan, const model::EncoderWeights& weights,
                    const core::Tensor<std::int8_t>& input, std::span<const int> local,
                    Transport& transport, const RunOptions& options = {});

// Every node in this process over the in-process transport; the output is always set.
RunResult run_plan(const plan::Plan& plan, const model::EncoderWeights& weights,
                   const core::Tensor<std::int8_t>& input, const RunOptions& options = {});

}  // namespace atl::platform
