// `atoll node`: one process of a run on software nodes, with the options of `atoll run`.
//   mpi:    `mpirun -np N atoll node --plan ...`: every rank loads the plan, model and input,
//           rank r runs its group of nodes, the rank holding the sink kernel writes the output.
//           A failure ends the whole job (MPI_Abort) after printing the node and kernel that
//           failed.
//   udp:    `atoll node --transport udp --node I --udp-port P ...`, one process per node, node
//           n listening on 127.0.0.1:P+n in the Galapagos wire format; a failure ends this
//           process with an error, and its peers time out on it. `--start none` drops atoll's
//           barrier, so the node can stand in for one FPGA of a real Galapagos cluster.
//   inproc: this process runs every node.
// Tests inject faults through the environment variable ATOLL_FAULT (docs/platform.md), which
// is not part of the user's interface.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <thread>

#include "cli/software_nodes.h"
#include "cli/verbs.h"
#include "core/npy.h"
#include "platform/inproc_transport.h"
#include "platform/mpi_transport.h"
#include "platform/run.h"
#include "platform/udp_transport.h"

namespace atl::cli {
namespace {

struct NodeVerbOptions {
  RunInputs in;
  TransportOptions transport{.kind = TransportKind::mpi};
  int node = -1;                  // udp: the node this process runs
  std::string udp_endpoints;      // udp: "host:port,..." per node instead of loopback ports
  std::string start = "barrier";  // udp: --start barrier | none
};

// How long a kernel stalled by ATOLL_FAULT=stall:NAME sleeps: longer than any test waits.
constexpr auto kStall = std::chrono::seconds(120);

// The fault ATOLL_FAULT asks for, as a RunOptions::before_compute hook (none when unset), for a
// process that runs the nodes `local`:
//   kernel:NAME   kernel NAME throws instead of computing;
//   stall:NAME    kernel NAME stalls (sleeps) instead of computing;
//   exit-node:N   the process that runs node N exits abruptly (status 3) before computing.
std::function<void(const graph::Kernel&)> injected_fault(const std::vector<int>& local) {
  const char* env = std::getenv("ATOLL_FAULT");
  if (!env || !*env) return {};
  const std::string fault = env;
  const std::size_t colon = fault.find(':');
  const std::string kind = fault.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : fault.substr(colon + 1);
  if (kind == "kernel" && !arg.empty()) {
    return [arg](const graph::Kernel& k) {
      if (k.name == arg) throw core::Error(core::ErrorKind::failed, "injected fault (ATOLL_FAULT)");
    };
  }
  if (kind == "stall" && !arg.empty()) {
    return [arg](const graph::Kernel& k) {
      if (k.name == arg) std::this_thread::sleep_for(kStall);
    };
  }
  if (kind == "exit-node" && !arg.empty() && arg.find_first_not_of("0123456789") == arg.npos &&
      arg.size() < 9) {
    if (std::find(local.begin(), local.end(), std::stoi(arg)) == local.end()) return {};
    return [](const graph::Kernel&) { std::_Exit(3); };
  }
  throw core::Error(fmt::format(
      "ATOLL_FAULT='{}': expected kernel:NAME, stall:NAME or exit-node:N (a test-only setting)",
      fault));
}

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

platform::RunOptions run_options(const NodeVerbOptions& o, const std::vector<int>& local) {
  platform::RunOptions options;
  options.timeout = o.in.timeout();
  options.before_compute = injected_fault(local);
  return options;
}

// A decoder plan's nodes `local` over `transport`; the process holding the graph's sink runs
// the host's loop and writes the tokens.
void decoder_nodes(const NodeVerbOptions& o, const plan::Plan& plan, const std::vector<int>& local,
                   platform::Transport& transport) {
  const platform::DecoderTables tables = platform::calibrate_decoder(decoder_reader(o.in, plan));
  const std::vector<std::int64_t> prompt = decoder_prompt(o.in, tables.config);
  platform::DecoderRunOptions options;
  options.timeout = o.in.timeout();
  if (auto fault = injected_fault(local)) {
    options.before_compute = [fault](const graph::Kernel& k, platform::Step) { fault(k); };
  }
  const platform::Generation g = platform::generate_on_nodes(
      plan, tables, prompt, o.in.decoder.new_tokens, local, transport, options);
  if (g.host) finish_generation(o.in, prompt, g);
}

void inproc_node(const NodeVerbOptions& o) {
  const plan::Plan plan = plan::load_plan(o.in.plan);
  if (is_decoder_plan(plan)) {
    std::vector<int> all(plan.cluster.nodes.size());
    for (std::size_t n = 0; n < all.size(); ++n) all[n] = static_cast<int>(n);
    platform::InprocTransport transport(static_cast<int>(all.size()));
    return decoder_nodes(o, plan, all, transport);
  }
  check_input(o.in.input);
  const model::EncoderWeights weights = load_run_weights(o.in, plan);
  const auto input = load_run_input(o.in, plan);
  std::vector<int> all(plan.cluster.nodes.size());
  for (std::size_t n = 0; n < all.size(); ++n) all[n] = static_cast<int>(n);
  const platform::RunResult r = platform::run_plan(plan, weights, input, run_options(o, all));
  core::write_npy(o.in.output, *r.output);
  print_nodes("inproc", r, o.in.output);
}

void udp_node(const NodeVerbOptions& o) {
  const plan::Plan plan = plan::load_plan(o.in.plan);
  const int nodes = static_cast<int>(plan.cluster.nodes.size());
  if (o.node < 0 || o.node >= nodes) {
    throw core::Error(fmt::format("--node {}: the plan has nodes 0..{}", o.node, nodes - 1));
  }
  const platform::UdpStart start =
      o.start == "none" ? platform::UdpStart::none : platform::UdpStart::barrier;
  const bool decoder = is_decoder_plan(plan);
  if (decoder && start == platform::UdpStart::none) {
    throw core::Error(core::ErrorKind::unsupported,
                      "--start none: a decoder plan has no Galapagos numbering yet, so only atoll "
                      "nodes (with the barrier) run it");
  }
  const std::vector<platform::UdpEndpoint> endpoints =
      o.udp_endpoints.empty() ? platform::loopback_endpoints(nodes, o.transport.udp_port)
                              : platform::parse_endpoints(o.udp_endpoints, nodes);
  if (decoder) {
    platform::UdpTransport transport(endpoints, o.node, start);
    decoder_nodes(o, plan, {o.node}, transport);
    // Nobody may leave while a peer still waits for its last packets.
    transport.barrier(platform::deadline_after(o.in.timeout()), {});
    return;
  }
  const model::EncoderWeights weights = load_run_weights(o.in, plan);
  const auto input = load_run_input(o.in, plan);
  platform::UdpTransport transport(endpoints, o.node, start);
  const platform::UdpEndpoint& self = endpoints[static_cast<std::size_t>(o.node)];
  if (start == platform::UdpStart::none) {
    // Peers may send from now on: what arrives waits in the socket until the nodes are set up.
    fmt::print("udp node {}: listening on {}:{}, no barrier\n", o.node, self.host, self.port);
    std::fflush(stdout);
  }
  const std::vector<int> local{o.node};
  const platform::RunOptions options = run_options(o, local);
  platform::RunResult r;
  try {
    r = platform::run_nodes(plan, weights, input, local, transport, options);
  } catch (const core::Error& e) {
    if (start != platform::UdpStart::none || transport.datagrams_received() > 0) throw;
    throw core::Error(
        e.kind(), fmt::format("{} (udp node {} started without a barrier and received nothing at "
                              "{}:{}: no peer sent to it)",
                              e.what(), o.node, self.host, self.port));
  }
  if (r.output) core::write_npy(o.in.output, *r.output);
  // Nobody may leave while a peer still waits for its last packets (without a barrier this
  // returns at once: a Galapagos peer sends everything it owes without being asked).
  transport.barrier(platform::deadline_after(options.timeout), {});
  print_nodes(fmt::format("udp node {}", o.node), r, o.in.output);
}

void mpi_node(const NodeVerbOptions& o) {
  platform::MpiSession mpi(nullptr, nullptr);
  std::optional<platform::RunResult> result;
  std::optional<platform::MpiTransport> transport;
  const auto fail = [&](const std::string& what) {
    fmt::print(stderr, "atoll: error: rank {}: {}\n", mpi.rank(), what);
    std::fflush(stderr);
    if (!transport) throw Exit{1};  // the same error on every rank, before any work
    mpi.abort(1);  // a wait may have given up with a request pending: no MPI_Finalize
  };
  try {
    // Everything that can be wrong with the inputs fails here, on every rank alike, before any
    // rank starts work, so the job ends cleanly with one message.
    const plan::Plan plan = plan::load_plan(o.in.plan);
    const platform::RankLayout layout = platform::rank_layout(
        static_cast<int>(plan.cluster.nodes.size()), mpi.world(), o.transport.nodes_per_rank);
    if (is_decoder_plan(plan)) {
      const platform::DecoderTables tables =
          platform::calibrate_decoder(decoder_reader(o.in, plan));
      platform::check_generation(plan, tables, decoder_prompt(o.in, tables.config),
                                 o.in.decoder.new_tokens);
      transport.emplace(layout);
      decoder_nodes(o, plan, layout.nodes_of(mpi.rank()), *transport);
      transport->barrier(platform::deadline_after(o.in.timeout()), {});
      transport.reset();
      return;
    }
    const model::EncoderWeights weights = load_run_weights(o.in, plan);
    const auto input = load_run_input(o.in, plan);
    platform::check_run_inputs(plan, weights, input);
    const std::vector<int> local = layout.nodes_of(mpi.rank());
    const platform::RunOptions options = run_options(o, local);
    transport.emplace(layout);
    result = platform::run_nodes(plan, weights, input, local, *transport, options);
    if (result->output) core::write_npy(o.in.output, *result->output);
    // Nobody may finalise while a peer still waits for its last packets.
    transport->barrier(platform::deadline_after(options.timeout), {});
  } catch (const core::Error& e) {
    fail(e.what());
  } catch (const std::exception& e) {
    fail(fmt::format("internal error (a bug): {}", e.what()));
  }
  transport.reset();
  print_nodes(fmt::format("rank {}", mpi.rank()), *result, o.in.output);
}

void node_verb(const NodeVerbOptions& o) {
  if (o.start != "barrier" && o.transport.kind != TransportKind::udp) {
    throw CLI::ValidationError("--start none needs --transport udp");
  }
  switch (o.transport.kind) {
    case TransportKind::inproc:
      return inproc_node(o);
    case TransportKind::udp:
      return udp_node(o);
    case TransportKind::mpi:
      return mpi_node(o);
  }
}

}  // namespace

void add_node(CLI::App& app) {
  auto o = std::make_shared<NodeVerbOptions>();
  CLI::App* cmd = app.add_subcommand(
      "node",
      "One process of a software-node run: an MPI rank (mpirun -np N atoll node ...), one UDP "
      "node, or every node (inproc); `atoll run` starts these itself");
  add_run_inputs(*cmd, o->in);
  add_transport_options(*cmd, o->transport);
  cmd->add_option("--node", o->node, "udp: the node index this process runs");
  cmd->add_option("--start", o->start,
                  "udp: barrier (atoll's start and end barrier; every peer is an atoll node) | "
                  "none (no barrier, only data packets: stands in for one FPGA of a real "
                  "Galapagos cluster)")
      ->check(CLI::IsMember({"barrier", "none"}));
  cmd->add_option("--udp-endpoints", o->udp_endpoints,
                  "udp: IPv4:port of every node in node order, comma-separated (default: "
                  "loopback ports from --udp-port)");
  cmd->callback([o] { node_verb(*o); });
}

}  // namespace atl::cli
