// `atoll demo`: the main demonstration, run by `make demo`. It walks the whole flow on the
// I-BERT-base encoder: the integer reference, mapping onto the six-board example cluster,
// a bit-exact run on six software FPGA nodes, and the timing estimate of the real cluster.
#include <fmt/format.h>

#include <memory>

#include "cli/catalogue.h"
#include "cli/inference.h"
#include "cli/mapped_plan.h"
#include "cli/paths.h"
#include "cli/plan_table.h"
#include "cli/simulation_table.h"
#include "cli/software_nodes.h"
#include "cli/verbs.h"
#include "graph/arch_ibert.h"
#include "hw/cluster.h"
#include "hw/device.h"
#include "map/mapper.h"
#include "model/config.h"
#include "model/synthetic.h"
#include "platform/run.h"
#include "sim/sim.h"

namespace atl::cli {
namespace {

constexpr std::uint64_t kSeed = 1, kInputSeed = 2;

void run_demo(const CatalogueOptions& catalogue) {
  const model::ModelConfig base =
      model::load_model_config(shipped_file("examples/models/ibert-base.yaml"));
  fmt::print(
      "atoll demo: {} ({} layers, {} tokens), synthetic weights (seed {}), random input "
      "(seed {})\n",
      base.name, base.layers, base.seq_len, kSeed, kInputSeed);

  fmt::print("\n[1] single-process integer reference, all {} layers, vs the float32 reference\n",
             base.layers);
  {
    model::Encoder encoder(model::synthetic_weights(base, kSeed));
    const auto x = model::random_input(base.seq_len, base.hidden, kInputSeed);
    print_inference(run_inference(encoder, x, 3, true));
  }

  const auto model_path = shipped_file("examples/models/ibert-base-1layer.yaml");
  const auto cluster_path = shipped_file("examples/clusters/sidewinder-6.yaml");
  const model::ModelConfig one = model::load_model_config(model_path);
  const hw::Cluster cluster = hw::load_cluster(cluster_path, catalogue.load());
  fmt::print("\n[2] map one encoder layer onto {} ({} x {})\n", cluster.name, cluster.nodes.size(),
             cluster.nodes.front().device.name);
  const plan::Plan plan =
      mapped_plan(model_path.string(), map::map_automatic(one, cluster, map::Objective::latency),
                  cluster, plan::Objective::latency);
  print_plan(plan);
  print_estimate("automatic (latency):", plan.estimate);
  const map::Mapping published =
      map::map_with_knobs(one, graph::ibert::default_knobs(), cluster,
                          map::parse_caps("lut=1,ff=1,dsp=1,bram=1,uram=1"));
  print_estimate("published Cluster Builder knobs (100% caps):", published.estimate);

  fmt::print("\n[3] run the plan on {} software FPGA nodes exchanging GMI packets\n",
             cluster.nodes.size());
  const model::EncoderWeights weights = model::synthetic_weights(one, kSeed);
  const auto x = model::random_input(one.seq_len, one.hidden, kInputSeed);
  const platform::RunResult run = platform::run_plan(plan, weights, x);
  print_run(run);
  const bool exact = *run.output == model::Encoder(weights).forward(x);
  fmt::print("bit-exact vs the single-process reference: {}\n", exact ? "yes" : "NO");
  if (!exact) throw Exit{1};

  fmt::print("\n[4] timing simulation of the six real boards (100 sequences back to back)\n");
  sim::Options options;
  options.sequences = 100;
  print_simulation(plan, sim::simulate(plan, options));
  fmt::print(
      "\nnext: `atoll report --plan P -o report.html` compares FPGA clusters with GPUs "
      "and CPUs\n");
}

}  // namespace

void add_demo(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "demo", "The main demonstration: reference, mapping, software cluster run, estimate");
  auto catalogue = std::make_shared<CatalogueOptions>();
  add_catalogue_option(*cmd, *catalogue);
  cmd->callback([catalogue] { run_demo(*catalogue); });
}

}  // namespace atl::cli
