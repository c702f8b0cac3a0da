// `atoll run`: a plan on software FPGA nodes, in this process (threads) or as MPI ranks, with
// the same model and input options as `atoll infer`, whose output it equals bit for bit.
#include "platform/run.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include "cli/software_nodes.h"
#include "cli/verbs.h"
#include "core/npy.h"
#include "model/encoder.h"
#include "plan/plan.h"
#include "platform/mpi_launch.h"

namespace atl::cli {
namespace {

struct RunVerbOptions {
  RunInputs in;
  std::string transport = "inproc";
  int nodes_per_rank = 1;
  int repeat = 1;
  bool check = false;
};

std::chrono::milliseconds to_ms(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
}

void run_verb(const RunVerbOptions& o) {
  check_run_inputs(o.in);
  if (o.repeat != 1 && o.transport != "inproc") {
    throw core::Error("run: --repeat needs --transport inproc");
  }
  const plan::Plan plan = plan::load_plan(o.in.plan);
  fmt::print("plan: {} ({} kernels on {} nodes, {} kernel IDs), transport: {}\n", o.in.plan,
             plan.graph.kernels.size(), plan.cluster.nodes.size(),
             plan.galapagos_compatible_ids ? "8-bit" : "32-bit", o.transport);
  std::optional<core::Tensor<std::int8_t>> output;
  if (o.transport == "inproc") {
    const model::EncoderWeights weights = load_run_weights(o.in, plan);
    const auto input = load_run_input(o.in, plan);
    platform::RunOptions options;
    options.timeout = to_ms(o.in.timeout_s);
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
    output = std::move(r.output);
  } else {
    const int nodes = static_cast<int>(plan.cluster.nodes.size());
    const int ranks = (nodes + o.nodes_per_rank - 1) / o.nodes_per_rank;
    std::vector<std::string> args{"node"};
    for (std::string& a : run_input_args(o.in)) args.push_back(std::move(a));
    args.insert(args.end(), {"--nodes-per-rank", std::to_string(o.nodes_per_rank)});
    // Startup of the ranks (MPI wire-up, weights) is outside the run's own timeout.
    const int rc =
        platform::run_process(platform::mpirun_command(ranks, platform::self_executable(), args),
                              to_ms(o.in.timeout_s) + std::chrono::seconds(60));
    if (rc != 0)
      throw core::Error(
          fmt::format("run: the MPI job ({} ranks) failed with status {}", ranks, rc));
    output = core::read_npy<std::int8_t>(o.in.output);
  }
  fmt::print("output: {}\n", o.in.output);
  if (o.check) {
    const model::Encoder reference(load_run_weights(o.in, plan));
    const bool same = reference.forward(load_run_input(o.in, plan)) == *output;
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
  cmd->add_option("--transport", o->transport,
                  "inproc (threads) or mpi (mpirun, one rank per "
                  "node group)")
      ->check(CLI::IsMember({"inproc", "mpi"}))
      ->capture_default_str();
  cmd->add_option("--nodes-per-rank", o->nodes_per_rank, "MPI: consecutive nodes per rank")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--repeat", o->repeat,
                  "inproc: run the input this many times on the same nodes (threads stay warm); "
                  "prints the first and the median run time")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--check", o->check,
                "Also run the single-process reference and require equal output");
  cmd->callback([o] { run_verb(*o); });
}

}  // namespace atl::cli
