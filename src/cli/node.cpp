// `atoll node`: one MPI rank of a run on software nodes (`mpirun -np N atoll node --plan ...`).
// Every rank loads the plan, model and input; rank r runs its group of nodes; the rank holding
// the sink kernel writes the output. A failure ends the whole job (MPI_Abort) after printing the
// node and kernel that failed, so no rank is left waiting.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/software_nodes.h"
#include "cli/verbs.h"
#include "core/npy.h"
#include "platform/mpi_transport.h"
#include "platform/run.h"

namespace atl::cli {
namespace {

struct NodeVerbOptions {
  RunInputs in;
  int nodes_per_rank = 1;
  int exit_node = -1;  // fault injection: the rank running this node exits after the barrier
};

void node_verb(const NodeVerbOptions& o) {
  platform::MpiSession mpi(nullptr, nullptr);
  std::optional<platform::RunResult> result;
  std::optional<platform::MpiTransport> transport;
  const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.in.timeout_s * 1000));
  platform::RankLayout layout;
  try {
    // Everything that can be wrong with the inputs fails here, on every rank alike, before any
    // rank starts work, so the job ends cleanly with one message.
    check_run_inputs(o.in);
    const plan::Plan plan = plan::load_plan(o.in.plan);
    layout = platform::rank_layout(static_cast<int>(plan.cluster.nodes.size()), mpi.world(),
                                   o.nodes_per_rank);
    const model::EncoderWeights weights = load_run_weights(o.in, plan);
    const auto input = load_run_input(o.in, plan);
    platform::check_run_inputs(plan, weights, input);
    const std::vector<int> local = layout.nodes_of(mpi.rank());
    transport.emplace(layout, platform::id_width(plan));
    platform::RunOptions options;
    options.timeout = timeout;
    if (o.exit_node >= 0 && layout.rank_of_node.at(o.exit_node) == mpi.rank()) {
      options.before_compute = [](const graph::Kernel&) { std::_Exit(3); };
    }
    result = platform::run_nodes(plan, weights, input, local, *transport, options);
    if (result->output) core::write_npy(o.in.output, *result->output);
    // Nobody may finalise while a peer still waits for its last packets.
    transport->barrier(platform::Clock::now() + timeout, {});
  } catch (const core::Error& e) {
    fmt::print(stderr, "atoll: error: rank {}: {}\n", mpi.rank(), e.what());
    std::fflush(stderr);
    if (!transport) throw Exit{1};  // the same error on every rank, before any work
    mpi.abort(1);
  }
  transport.reset();
  for (const platform::NodeTraffic& n : result->nodes) {
    fmt::print(
        "rank {}: node {}: {} kernels, {} messages / {} packets / {} bytes out, {} bytes "
        "over the network, busy {:.2f} ms\n",
        mpi.rank(), n.node, n.kernels, n.messages_sent, n.packets_sent, n.bytes_sent,
        n.network.bytes_sent, n.busy_ms);
  }
  if (result->output) {
    fmt::print("rank {}: run {:.1f} ms (setup {:.1f} ms), output: {}\n", mpi.rank(), result->run_ms,
               result->setup_ms, o.in.output);
  }
}

}  // namespace

void add_node(CLI::App& app) {
  auto o = std::make_shared<NodeVerbOptions>();
  CLI::App* cmd = app.add_subcommand(
      "node", "One MPI rank of a software-node run (start with mpirun -np N atoll node ...)");
  add_run_inputs(*cmd, o->in);
  cmd->add_option("--nodes-per-rank", o->nodes_per_rank, "Consecutive nodes each rank runs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--fault-exit-node", o->exit_node,
                  "Testing: the rank running this node index exits abruptly before computing")
      ->group("");
  cmd->callback([o] { node_verb(*o); });
}

}  // namespace atl::cli
