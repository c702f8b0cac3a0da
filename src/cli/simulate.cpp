// `atoll simulate`: the discrete-event timing simulation of a plan (sim/), next to the plan's
// analytic estimate.
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/catalogue.h"
#include "cli/progress.h"
#include "cli/simulation_table.h"
#include "cli/verbs.h"
#include "core/error.h"
#include "hw/device.h"
#include "model/config.h"
#include "plan/plan.h"
#include "sim/decode.h"
#include "sim/decode_json.h"
#include "sim/result_json.h"
#include "sim/sim.h"

namespace atl::cli {
namespace {

struct SimulateOptions {
  CatalogueOptions catalogue;
  std::string plan;
  std::int64_t sequences = 100;
  bool ideal_network = false;
  std::int64_t fifo_rows = 4;
  bool progress = false;
  std::string output;
  std::optional<std::int64_t> prompt, new_tokens;  // decoders
};

void write_json(const nlohmann::json& j, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw core::Error(core::ErrorKind::io, fmt::format("simulate: cannot write {}", path));
  out << j.dump(2) << "\n";
  if (!out)
    throw core::Error(core::ErrorKind::io, fmt::format("simulate: writing {} failed", path));
}

// A decoder plan: prefill of --prompt tokens, then --new-tokens - 1 decode steps.
void run_decoder(const SimulateOptions& o, const plan::Plan& plan) {
  if (!o.prompt || !o.new_tokens) {
    throw core::Error(fmt::format("{}: model '{}' is a decoder: give --prompt N and --new-tokens M",
                                  o.plan, plan.graph.model));
  }
  sim::DecodeOptions opt;
  opt.prompt = *o.prompt;
  opt.new_tokens = *o.new_tokens;
  opt.ideal_network = o.ideal_network;
  const sim::DecodeResult r = sim::simulate_decoder(plan, opt);
  fmt::print(
      "plan: {} ({} kernels on {} FPGAs; tensor parallel {}, {} pipeline stages), "
      "network: {}\n",
      o.plan, plan.graph.kernels.size(), plan.cluster.nodes.size(), plan.tensor_parallel,
      plan.pipeline_stages, o.ideal_network ? "ideal" : "modelled");
  print_decoder_simulation(r);
  if (o.output.empty()) return;
  nlohmann::json j = sim::to_json(r);
  j["plan"] = o.plan;
  write_json(j, o.output);
  fmt::print("wrote {} (every decode step and the whole critical path)\n", o.output);
}

void run(const SimulateOptions& o) {
  const plan::Plan plan = plan::load_plan(o.plan);
  check_plan_devices(plan, o.catalogue);
  if (plan.graph.architecture != model::Architecture::ibert_encoder) return run_decoder(o, plan);
  if (o.prompt || o.new_tokens) {
    throw core::Error(
        fmt::format("{}: --prompt and --new-tokens time a decoder; model '{}' is an "
                    "encoder (use --sequences)",
                    o.plan, plan.graph.model));
  }
  if (o.output.empty())
    throw core::Error(fmt::format("{}: -o/--json is required for an encoder", o.plan));
  ProgressBar bar("simulating", o.progress);
  sim::Options opt;
  opt.sequences = o.sequences;
  opt.ideal_network = o.ideal_network;
  opt.fifo_rows = o.fifo_rows;
  opt.progress = [&bar](double f) { bar.update(f); };
  const sim::Result r = sim::simulate(plan, opt);

  fmt::print("plan: {} ({} kernels on {} FPGAs), network: {}\n", o.plan, plan.graph.kernels.size(),
             plan.cluster.nodes.size(), o.ideal_network ? "ideal" : "modelled");
  print_simulation(plan, r);

  nlohmann::json j = sim::to_json(r);
  j["plan"] = o.plan;
  j["analytic"] = {{"latency_us", plan.estimate.latency_us},
                   {"throughput_seq_per_s", plan.estimate.throughput_seq_per_s}};
  write_json(j, o.output);
  fmt::print("wrote {} (with the whole critical path)\n", o.output);
}

}  // namespace

void add_simulate(CLI::App& app) {
  auto o = std::make_shared<SimulateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "simulate",
      "Timing simulation of a plan: an encoder's latency, throughput and utilisation, or a "
      "decoder's time to first token and per-token latency (--prompt, --new-tokens)");
  cmd->add_option("--plan", o->plan, "Plan JSON (e.g. examples/plans/ibert-encoder-6fpga.json)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--sequences", o->sequences,
                  fmt::format("Back-to-back sequences for the throughput run; each run may take "
                              "at most {} kernel rows (graph kernels x seq_len x sequences) and "
                              "{} MiB (docs/simulation.md)",
                              sim::kMaxKernelRows, sim::kMaxBufferBytes >> 20))
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--ideal-network", o->ideal_network,
                "Zero latency, infinite bandwidth between FPGAs (compare with the analytic "
                "estimate)");
  cmd->add_option("--fifo-rows", o->fifo_rows, "Depth in rows of an ordinary stream FIFO")
      ->check(CLI::Range(std::int64_t{1}, sim::kMaxFifoRows))
      ->capture_default_str();
  cmd->add_flag("--progress", o->progress,
                "Draw a progress bar even when stderr is not a terminal (long runs only)");
  cmd->add_option("--prompt", o->prompt,
                  "Decoder plans: prompt tokens of the prefill (1..the model's context)");
  cmd->add_option("--new-tokens", o->new_tokens,
                  "Decoder plans: tokens to generate (>= 1): the prefill yields the first, each "
                  "further one is a decode step");
  cmd->add_option("-o,--output,--json", o->output,
                  "Where to write the results (JSON); required for an encoder plan");
  add_device_check_options(*cmd, o->catalogue);
  cmd->callback([o] { run(*o); });
}

}  // namespace atl::cli
