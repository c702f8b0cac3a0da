// `atoll node`: one process of a run on software nodes.
//   MPI: `mpirun -np N atoll node --plan ...`: every rank loads the plan, model and input, rank r
//        runs its group of nodes, the rank holding the sink kernel writes the output. A failure
//        ends the whole job (MPI_Abort) after printing the node and kernel that failed.
//   UDP: `atoll node --transport udp --node I --udp-port P ...`, one process per node, node n
//        listening on 127.0.0.1:P+n in the Galapagos wire format; a failure ends this process
//        with an error, and its peers time out on it.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/software_nodes.h"
#include "cli/verbs.h"
#include "core/npy.h"
#include "platform/mpi_transport.h"
#include "platform/run.h"
#include "platform/udp_transport.h"

namespace atl::cli {
namespace {

struct NodeVerbOptions {
  RunInputs in;
  std::string transport = "mpi";
  int nodes_per_rank = 1;
  int node = -1;        // UDP: the node this process runs
  int udp_port = 9000;  // UDP: node n listens on udp_port + n (9000: the libGalapagos examples)
  std::string udp_endpoints;  // UDP: "host:port,..." per node instead of loopback ports
  int exit_node = -1;         // fault injection: the rank running this node exits after the barrier
  std::string fault_kernel;   // fault injection: this kernel throws instead of computing
};

void print_nodes(const std::string& who, const platform::RunResult& r, const std::string& output) {
  for (const platform::NodeTraffic& n : r.nodes) {
    fmt::print(
        "{}: node {}: {} kernels, {} messages / {} packets / {} bytes out, {} bytes "
        "over the network, busy {:.2f} ms, done at {:.2f} ms\n",
        who, n.node, n.kernels, n.messages_sent, n.packets_sent, n.bytes_sent, n.network.bytes_sent,
        n.busy_ms, n.done_ms);
  }
  if (r.output) {
    fmt::print("{}: run {:.1f} ms (setup {:.1f} ms), output: {}\n", who, r.run_ms, r.setup_ms,
               output);
  }
}

void udp_node(const NodeVerbOptions& o) {
  check_run_inputs(o.in);
  const plan::Plan plan = plan::load_plan(o.in.plan);
  const int nodes = static_cast<int>(plan.cluster.nodes.size());
  if (o.node < 0 || o.node >= nodes) {
    throw core::Error(fmt::format("--node {}: the plan has nodes 0..{}", o.node, nodes - 1));
  }
  const model::EncoderWeights weights = load_run_weights(o.in, plan);
  const auto input = load_run_input(o.in, plan);
  platform::UdpTransport transport(o.udp_endpoints.empty()
                                       ? platform::loopback_endpoints(nodes, o.udp_port)
                                       : platform::parse_endpoints(o.udp_endpoints, nodes),
                                   o.node, platform::id_width(plan));
  platform::RunOptions options;
  options.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.in.timeout_s * 1000));
  const int local[] = {o.node};
  const platform::RunResult r =
      platform::run_nodes(plan, weights, input, local, transport, options);
  if (r.output) core::write_npy(o.in.output, *r.output);
  transport.barrier(platform::Clock::now() + options.timeout, {});
  print_nodes(fmt::format("udp node {}", o.node), r, o.in.output);
}

void node_verb(const NodeVerbOptions& o) {
  if (o.transport == "udp") return udp_node(o);
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
    } else if (!o.fault_kernel.empty()) {
      options.before_compute = [name = o.fault_kernel](const graph::Kernel& k) {
        if (k.name == name) throw core::Error("injected fault (--fault-kernel)");
      };
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
  print_nodes(fmt::format("rank {}", mpi.rank()), *result, o.in.output);
}

}  // namespace

void add_node(CLI::App& app) {
  auto o = std::make_shared<NodeVerbOptions>();
  CLI::App* cmd = app.add_subcommand(
      "node", "One MPI rank of a software-node run (start with mpirun -np N atoll node ...)");
  add_run_inputs(*cmd, o->in);
  cmd->add_option("--transport", o->transport, "mpi (under mpirun) or udp (one process per node)")
      ->check(CLI::IsMember({"mpi", "udp"}))
      ->capture_default_str();
  cmd->add_option("--node", o->node, "UDP: the node index this process runs");
  cmd->add_option("--udp-port", o->udp_port, "UDP: node n listens on 127.0.0.1:(port + n)")
      ->check(CLI::Range(1, 65000))
      ->capture_default_str();
  cmd->add_option("--udp-endpoints", o->udp_endpoints,
                  "UDP: IPv4:port of every node in node order, comma-separated (default: "
                  "loopback ports from --udp-port)");
  cmd->add_option("--nodes-per-rank", o->nodes_per_rank, "MPI: consecutive nodes each rank runs")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--fault-exit-node", o->exit_node,
                  "Testing: the rank running this node index exits abruptly before computing")
      ->group("");
  cmd->add_option("--fault-kernel", o->fault_kernel,
                  "Testing: this kernel throws instead of computing")
      ->group("");
  cmd->callback([o] { node_verb(*o); });
}

}  // namespace atl::cli
