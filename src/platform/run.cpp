#include "platform/run.h"

#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <numeric>

#include "core/error.h"
#include "platform/inproc_transport.h"

namespace atl::platform {
namespace {

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

void check_run_inputs(const plan::Plan& plan, const model::EncoderWeights& weights,
                      const core::Tensor<std::int8_t>& input) {
  const graph::Graph& g = plan.graph;
  const model::ModelConfig& c = weights.config;
  if (c.hidden != g.hidden || c.heads != g.heads || c.intermediate != g.intermediate ||
      static_cast<std::int64_t>(weights.layers.size()) < g.layers) {
    throw core::Error(fmt::format(
        "weights of model '{}' (hidden {}, heads {}, intermediate {}, {} layers) do not fit the "
        "plan's graph '{}' (hidden {}, heads {}, intermediate {}, {} layers)",
        c.name, c.hidden, c.heads, c.intermediate, weights.layers.size(), g.model, g.hidden,
        g.heads, g.intermediate, g.layers));
  }
  if (input.rank() != 2 || input.dim(1) != g.hidden || input.dim(0) < 1 ||
      input.dim(0) > g.seq_len) {
    throw core::Error(
        fmt::format("input: expected int8 [tokens, {}] with 1 <= tokens <= {}, got {}", g.hidden,
                    g.seq_len, core::to_string(input.shape())));
  }
}

RunResult run_nodes(const plan::Plan& plan, const model::EncoderWeights& weights,
                    const core::Tensor<std::int8_t>& input, std::span<const int> local,
                    Transport& transport, const RunOptions& options) {
  check_run_inputs(plan, weights, input);
  const auto t_setup = Clock::now();
  const Wiring wiring = wire(plan, input.dim(0));
  const Message in = to_message(input);
  Failure failure;
  RunResult result;
  std::mutex output_mutex;
  auto on_output = [&](Message m) {
    auto t = to_tensor<std::int8_t>(m, "sink");
    std::lock_guard lock(output_mutex);
    result.output = std::move(t);
  };

  const NodeOptions node_options{options.before_compute};
  std::vector<std::unique_ptr<Node>> nodes;
  for (int n : local) {
    if (n < 0 || n >= static_cast<int>(plan.cluster.nodes.size())) {
      throw core::Error(fmt::format("run: node index {} outside the cluster's {} nodes", n,
                                    plan.cluster.nodes.size()));
    }
    nodes.push_back(
        std::make_unique<Node>(plan, wiring, n, weights, transport, failure, node_options));
  }
  result.setup_ms = ms_between(t_setup, Clock::now());
  transport.barrier(Clock::now() + options.timeout, failure.token());

  // When the run stops, note which kernels were still computing: after a timeout they, not the
  // kernels that gave up waiting, are the cause.
  std::string computing;
  std::stop_callback on_stop(failure.token(), [&] {
    for (auto& node : nodes) {
      for (const std::string& k : node->computing()) {
        computing += (computing.empty() ? "" : ", ") + k;
      }
    }
  });
  // Setup is not part of the budget: the run's timeout starts once every process is ready.
  const auto t_run = Clock::now();
  for (auto& node : nodes) node->start(&in, on_output, t_run + options.timeout);
  for (auto& node : nodes) node->join();
  result.run_ms = ms_between(t_run, Clock::now());
  for (auto& node : nodes) result.nodes.push_back(node->traffic());
  if (auto error = failure.first()) {
    if (!computing.empty()) *error += " (still computing when the run stopped: " + computing + ")";
    throw core::Error(*error);
  }
  return result;
}

RunResult run_plan(const plan::Plan& plan, const model::EncoderWeights& weights,
                   const core::Tensor<std::int8_t>& input, const RunOptions& options) {
  plan::validate(plan, "plan '" + plan.graph.model + "'");
  const int n = static_cast<int>(plan.cluster.nodes.size());
  std::vector<int> all(static_cast<std::size_t>(n));
  std::iota(all.begin(), all.end(), 0);
  InprocTransport transport(n);
  RunResult r = run_nodes(plan, weights, input, all, transport, options);
  if (!r.output) throw core::Error("run: the sink kernel produced no output");
  return r;
}

}  // namespace atl::platform
