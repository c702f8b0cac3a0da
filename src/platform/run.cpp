#include "platform/run.h"

#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <numeric>

#include "core/error.h"
#include "plan/check.h"
#include "platform/inproc_transport.h"

namespace atl::platform {
namespace {

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

}  // namespace

namespace {

// The part of check_run_inputs that setup needs: a plan that is the encoder it names (its
// gathers concatenate in kernel-ID order, so an ID permutation would permute the heads),
// weights that fit the graph and a token count.
void check_setup(const plan::Plan& plan, const model::EncoderWeights& weights,
                 std::int64_t tokens) {
  const std::string where = "plan '" + plan.graph.model + "'";
  plan::require_encoder(plan, "software nodes");
  plan::validate(plan, where);
  plan::check_meaning(plan, where);
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
  if (tokens < 1 || tokens > g.seq_len) {
    throw core::Error(fmt::format("input: {} tokens; the plan takes 1 to {}", tokens, g.seq_len));
  }
}

void check_timeout(std::chrono::milliseconds timeout) {
  if (timeout.count() < 1 || timeout > kMaxRunTimeout) {
    throw core::Error(fmt::format("run: timeout of {} ms; expected 1 ms to {} h", timeout.count(),
                                  kMaxRunTimeout.count()));
  }
}

std::vector<int> every_node(const plan::Plan& plan) {
  std::vector<int> all(plan.cluster.nodes.size());
  std::iota(all.begin(), all.end(), 0);
  return all;
}

}  // namespace

void check_run_inputs(const plan::Plan& plan, const model::EncoderWeights& weights,
                      const core::Tensor<std::int8_t>& input) {
  const graph::Graph& g = plan.graph;
  if (input.rank() != 2 || input.dim(1) != g.hidden || input.dim(0) < 1 ||
      input.dim(0) > g.seq_len) {
    throw core::Error(
        fmt::format("input: expected int8 [tokens, {}] with 1 <= tokens <= {}, got {}", g.hidden,
                    g.seq_len, core::to_string(input.shape())));
  }
  check_setup(plan, weights, input.dim(0));
}

SoftwareCluster::SoftwareCluster(const plan::Plan& plan, const model::EncoderWeights& weights,
                                 std::int64_t tokens, std::span<const int> local,
                                 Transport& transport, RunOptions options)
    : SoftwareCluster(plan, weights, tokens, local, nullptr, &transport, std::move(options)) {}

SoftwareCluster::SoftwareCluster(const plan::Plan& plan, const model::EncoderWeights& weights,
                                 std::int64_t tokens, RunOptions options)
    : SoftwareCluster(
          plan, weights, tokens, every_node(plan),
          std::make_unique<InprocTransport>(static_cast<int>(plan.cluster.nodes.size())), nullptr,
          std::move(options)) {}

SoftwareCluster::SoftwareCluster(const plan::Plan& plan, const model::EncoderWeights& weights,
                                 std::int64_t tokens, std::span<const int> local,
                                 std::unique_ptr<Transport> owned, Transport* transport,
                                 RunOptions options)
    : plan_(plan),
      weights_(weights),
      tokens_(tokens),
      owned_transport_(std::move(owned)),
      transport_(owned_transport_ ? *owned_transport_ : *transport),
      options_(std::move(options)),
      wiring_((check_setup(plan, weights, tokens), check_timeout(options_.timeout),
               wire(plan, plan.galapagos, tokens))) {
  const auto t_setup = Clock::now();
  const NodeOptions node_options{options_.before_compute};
  for (int n : local) {
    if (n < 0 || n >= static_cast<int>(plan.cluster.nodes.size())) {
      throw core::Error(fmt::format("run: node index {} outside the cluster's {} nodes", n,
                                    plan.cluster.nodes.size()));
    }
    nodes_.push_back(
        std::make_unique<Node>(plan, wiring_, n, weights, transport_, failure_, node_options));
  }
  auto on_output = [this](Message m) {
    auto t = to_tensor<std::int8_t>(m, "sink");
    std::lock_guard lock(output_mutex_);
    output_ = std::move(t);
  };
  for (auto& node : nodes_) node->start(on_output);
  setup_ms_ = ms_between(t_setup, Clock::now());
}

// Nodes close (and their threads join) before the transport and failure they use go away.
SoftwareCluster::~SoftwareCluster() {
  nodes_.clear();
}

RunResult SoftwareCluster::run(const core::Tensor<std::int8_t>& input) {
  if (auto error = failure_.first()) {
    throw core::Error(core::ErrorKind::failed,
                      "run: the software cluster stopped after an earlier failure: " + *error);
  }
  if (input.rank() != 2 || input.dim(0) != tokens_ || input.dim(1) != plan_.graph.hidden) {
    throw core::Error(
        fmt::format("input: expected int8 [{}, {}] (the nodes were set up for {} "
                    "tokens), got {}",
                    tokens_, plan_.graph.hidden, tokens_, core::to_string(input.shape())));
  }
  const Message in = to_message(input);
  {
    std::lock_guard lock(output_mutex_);
    output_.reset();
  }
  // Before the barrier: once past it, other processes may send to our nodes at once.
  for (auto& node : nodes_) node->reset_traffic();
  transport_.barrier(deadline_after(options_.timeout), failure_.token());

  // When the run stops, note which kernels were still computing: after a timeout they, not the
  // kernels that gave up waiting, are the cause.
  std::string computing;
  std::stop_callback on_stop(failure_.token(), [&] {
    for (auto& node : nodes_) {
      for (const std::string& k : node->computing()) {
        computing += (computing.empty() ? "" : ", ") + k;
      }
    }
  });
  // The timeout starts once every process is ready.
  const auto t_run = Clock::now();
  for (auto& node : nodes_) node->post(&in, t_run + options_.timeout);
  for (auto& node : nodes_) node->wait();
  RunResult result;
  result.setup_ms = setup_ms_;
  result.run_ms = ms_between(t_run, Clock::now());
  for (auto& node : nodes_) result.nodes.push_back(node->traffic());
  if (auto error = failure_.first()) {
    if (!computing.empty()) *error += " (still computing when the run stopped: " + computing + ")";
    throw core::Error(core::ErrorKind::failed, *error);
  }
  std::lock_guard lock(output_mutex_);
  result.output = std::move(output_);
  return result;
}

RunResult run_nodes(const plan::Plan& plan, const model::EncoderWeights& weights,
                    const core::Tensor<std::int8_t>& input, std::span<const int> local,
                    Transport& transport, const RunOptions& options) {
  check_run_inputs(plan, weights, input);
  SoftwareCluster nodes(plan, weights, input.dim(0), local, transport, options);
  return nodes.run(input);
}

RunResult run_plan(const plan::Plan& plan, const model::EncoderWeights& weights,
                   const core::Tensor<std::int8_t>& input, const RunOptions& options) {
  check_run_inputs(plan, weights, input);
  RunResult r = SoftwareCluster(plan, weights, input.dim(0), options).run(input);
  if (!r.output) throw core::Error("run: the sink kernel produced no output");
  return r;
}

}  // namespace atl::platform
