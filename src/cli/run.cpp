// `atoll run`: a plan on software FPGA nodes, in this process (threads), as MPI ranks or as one
// UDP process per node. An encoder plan takes the model and input options of `atoll infer`,
// whose output it equals bit for bit; a decoder plan the prompt options of `atoll generate`,
// whose tokens it equals (platform/decoder_run.h).
#include "platform/run.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include "cli/software_nodes.h"
#include "cli/verbs.h"
#include "core/npy.h"
#include "cost/decode_fit.h"
#include "model/encoder.h"
#include "model/int_decoder.h"
#include "plan/plan.h"
#include "platform/mpi_launch.h"
#include "platform/udp_transport.h"

namespace atl::cli {
namespace {

// Start-up of the processes (MPI wire-up, weights) is outside the run's own timeout.
constexpr auto kStartup = std::chrono::seconds(60);

struct RunVerbOptions {
  RunInputs in;
  TransportOptions transport;
  int repeat = 1;
  bool check = false;
};

void run_inproc(const RunVerbOptions& o, const plan::Plan& plan) {
  const model::EncoderWeights weights = load_run_weights(o.in, plan);
  const auto input = load_run_input(o.in, plan);
  platform::RunOptions options;
  options.timeout = o.in.timeout();
  platform::check_run_inputs(plan, weights, input);
  // One set-up, then the same sequence `repeat` times on warm kernel threads: the first run
  // pays for new threads, the later ones show what a deployed cluster does per sequence.
  platform::SoftwareCluster nodes(plan, weights, input.dim(0), options);
  std::vector<double> run_ms;
  platform::RunResult r;
  for (int i = 0; i < o.repeat; ++i) {
    r = nodes.run(input);
    run_ms.push_back(r.run_ms);
  }
  core::write_npy(o.in.output, *r.output);
  print_run(r);
  if (o.repeat > 1) {
    const double first = run_ms.front();
    std::sort(run_ms.begin(), run_ms.end());
    fmt::print("runs: {} sequences, first {:.1f} ms, median {:.1f} ms\n", o.repeat, first,
               run_ms[run_ms.size() / 2]);
  }
}

// The `atoll node` processes of the run: mpirun with one rank per node group, or one UDP
// process per node on loopback ports. Throws core::Error unless every one succeeds.
void run_processes(const RunVerbOptions& o, const plan::Plan& plan) {
  const int nodes = static_cast<int>(plan.cluster.nodes.size());
  std::vector<std::string> args{"node", "--transport", to_string(o.transport.kind)};
  for (std::string& a : run_input_args(o.in)) args.push_back(std::move(a));
  std::vector<std::vector<std::string>> commands;
  if (o.transport.kind == TransportKind::mpi) {
    const int ranks = (nodes + o.transport.nodes_per_rank - 1) / o.transport.nodes_per_rank;
    args.insert(args.end(), {"--nodes-per-rank", std::to_string(o.transport.nodes_per_rank)});
    commands.push_back(platform::mpirun_command(ranks, platform::self_executable(), args));
  } else {
    (void)platform::loopback_endpoints(nodes, o.transport.udp_port);  // ports in range, first
    for (int n = 0; n < nodes; ++n) {
      std::vector<std::string> argv{platform::self_executable()};
      argv.insert(argv.end(), args.begin(), args.end());
      argv.insert(argv.end(), {"--node", std::to_string(n), "--udp-port",
                               std::to_string(o.transport.udp_port)});
      commands.push_back(std::move(argv));
    }
  }
  const std::vector<int> statuses = platform::run_processes(commands, o.in.timeout() + kStartup);
  if (std::any_of(statuses.begin(), statuses.end(), [](int s) { return s != 0; })) {
    std::string list;
    for (int s : statuses) list += fmt::format("{}{}", list.empty() ? "" : ", ", s);
    throw core::Error(core::ErrorKind::failed,
                      o.transport.kind == TransportKind::mpi
                          ? fmt::format("run: the MPI job failed with status {}", list)
                          : fmt::format("run: the node processes ended with statuses {} (in node "
                                        "order; 143: stopped after another one failed)",
                                        list));
  }
}

// A decoder plan in this process: generate, then (--check) the same on model::IntDecoder.
void run_decoder_inproc(const RunVerbOptions& o, const plan::Plan& plan) {
  const platform::DecoderTables tables = platform::calibrate_decoder(decoder_reader(o.in, plan));
  const std::vector<std::int64_t> prompt = decoder_prompt(o.in, tables.config);
  platform::check_generation(plan, tables, prompt, o.in.decoder.new_tokens);
  fmt::print("prompt: {} token(s), {} new\n", prompt.size(), o.in.decoder.new_tokens);
  platform::DecoderRunOptions options;
  options.timeout = o.in.timeout();
  const platform::Generation g =
      platform::generate_on_nodes(plan, tables, prompt, o.in.decoder.new_tokens, options);
  finish_generation(o.in, prompt, g);
}

// The tokens of -o against the single-process integer decoder (`atoll generate`).
void check_decoder(const RunVerbOptions& o, const plan::Plan& plan) {
  const auto written = core::read_npy<std::int64_t>(o.in.output).values();
  model::IntDecoder reference(decoder_reader(o.in, plan));
  const std::vector<std::int64_t> prompt = decoder_prompt(o.in, reference.config());
  const std::vector<int> ids(prompt.begin(), prompt.end());
  std::vector<std::int64_t> expected = prompt;
  for (std::int64_t t : model::greedy_tokens(reference, ids, o.in.decoder.new_tokens)) {
    expected.push_back(t);
  }
  const bool same = expected == written;
  fmt::print("same tokens as the single-process integer decoder (atoll generate): {}\n",
             same ? "yes" : "NO");
  if (!same) throw Exit{1};
}

void run_verb(const RunVerbOptions& o) {
  if (o.repeat != 1 && o.transport.kind != TransportKind::inproc) {
    throw core::Error("run: --repeat needs --transport inproc");
  }
  const plan::Plan plan = plan::load_plan(o.in.plan);
  const bool decoder = is_decoder_plan(plan);
  if (!decoder) check_input(o.in.input);
  if (decoder && o.repeat != 1) throw core::Error("run: --repeat applies to encoder plans");
  if (decoder) {
    // Weights and KV caches must fit where the plan put them, as `atoll simulate` requires.
    const cost::DecodeModel kernels = cost::decode_model(
        plan.graph, plan.cluster, plan.node_of_kernel, plan.memory, false, false);
    cost::check_decoder_fits(cost::node_use(kernels, plan.cluster.nodes.size()), plan.cluster);
  }
  fmt::print("plan: {} ({} kernels on {} nodes, {} Galapagos clusters), transport: {}\n", o.in.plan,
             plan.graph.kernels.size(), plan.cluster.nodes.size(), plan.galapagos.clusters.size(),
             to_string(o.transport.kind));
  if (decoder) {
    if (o.transport.kind == TransportKind::inproc) {
      run_decoder_inproc(o, plan);
    } else {
      run_processes(o, plan);
    }
    if (o.check) check_decoder(o, plan);
    return;
  }
  if (o.transport.kind == TransportKind::inproc) {
    run_inproc(o, plan);
  } else {
    run_processes(o, plan);
  }
  const auto output = core::read_npy<std::int8_t>(o.in.output);
  fmt::print("output: {}\n", o.in.output);
  if (o.check) {
    const model::Encoder reference(load_run_weights(o.in, plan));
    const bool same = reference.forward(load_run_input(o.in, plan)) == output;
    fmt::print("bit-exact vs the single-process reference: {}\n", same ? "yes" : "NO");
    if (!same) throw Exit{1};
  }
}

}  // namespace

void add_run(CLI::App& app) {
  auto o = std::make_shared<RunVerbOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run a plan on software FPGA nodes exchanging Galapagos/GMI packets (bit-exact)");
  add_run_inputs(*cmd, o->in);
  add_transport_options(*cmd, o->transport);
  cmd->add_option("--repeat", o->repeat,
                  "inproc: run the input this many times on the same nodes (threads stay warm); "
                  "prints the first and the median run time")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  cmd->add_flag("--check", o->check,
                "Also run the single-process reference and require equal output (decoder plans: "
                "the integer decoder of `atoll generate`, equal tokens)");
  cmd->callback([o] { run_verb(*o); });
}

}  // namespace atl::cli
