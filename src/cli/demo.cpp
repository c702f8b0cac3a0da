// `atoll demo`: the main demonstration, run by `make demo`. It walks the whole flow on the
// I-BERT-base encoder: the integer reference, mapping onto the six-board example cluster,
// a bit-exact run on six software FPGA nodes, and the timing estimate of the real cluster; then
// on the stories260K decoder: the decoder mapper's tensor-parallel degree and pipeline stages,
// generation on software nodes (the tokens of `atoll generate`), the decode simulation and the
// single-process decode on this CPU.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <vector>

#include "cli/catalogue.h"
#include "cli/inference.h"
#include "cli/mapped_plan.h"
#include "cli/paths.h"
#include "cli/plan_table.h"
#include "cli/simulation_table.h"
#include "cli/software_nodes.h"
#include "cli/verbs.h"
#include "core/error.h"
#include "graph/arch_ibert.h"
#include "hw/cluster.h"
#include "hw/device.h"
#include "map/decoder_mapper.h"
#include "map/mapper.h"
#include "model/config.h"
#include "model/int_decoder.h"
#include "model/llama2c.h"
#include "model/synthetic.h"
#include "model/synthetic_decoder.h"
#include "plan/make_plan.h"
#include "platform/decoder_run.h"
#include "platform/run.h"
#include "sim/decode.h"
#include "sim/sim.h"

namespace atl::cli {
namespace {

constexpr std::uint64_t kSeed = 1, kInputSeed = 2;
// The decoder part: tokens generated after BOS (a few seconds on software nodes in all).
constexpr std::int64_t kNewTokens = 32;

double median(std::vector<double> v) {
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// stories260K's llama2.c checkpoint from ../shared, else seeded synthetic weights of its shape.
model::DecoderWeightReader stories_weights(const model::ModelConfig& config,
                                           const std::filesystem::path& yaml) {
  const std::filesystem::path bin = "../shared/models/stories260K/stories260K.bin";
  try {
    model::DecoderWeightReader r = model::open_llama2c(shipped_file(bin));
    r.config.name = config.name;
    fmt::print("weights: {}\n", shipped_file(bin).string());
    return r;
  } catch (const core::Error& e) {
    fmt::print("weights: synthetic (seed {}) of the same shape: {}\n", kSeed, e.what());
    return model::synthetic_reader(model::load_decoder_config(yaml), kSeed);
  }
}

// The decoder part: stories260K mapped by the decoder mapper (tensor parallelism x pipeline
// stages, whichever is fastest) onto `cluster`, generating on software nodes (equal to
// model::IntDecoder, i.e. `atoll generate`), simulated, and the single-process integer decode timed
// on this CPU.
void run_decoder_demo(const hw::Cluster& cluster) {
  const auto yaml = shipped_file("examples/models/stories260K.yaml");
  const model::ModelConfig config = model::load_model_config(yaml, model::Accept::any);
  fmt::print("\n[5] a decoder: {} ({} layers, context {}) mapped for per-token latency onto {}\n",
             config.name, config.layers, config.seq_len, cluster.name);
  map::DecoderMapping m = map::map_decoder(config, cluster, map::DecoderTarget{});
  plan::Plan plan =
      plan::make_plan(yaml.string(), std::move(m.graph), cluster, std::move(m.node_of_kernel),
                      std::move(m.estimate), plan::Objective::latency);
  plan.memory = std::move(m.memory);
  plan.tensor_parallel = m.tensor_parallel;
  plan.pipeline_stages = m.pipeline_stages;
  fmt::print("tensor parallel {} x {} pipeline stages = {} boards, {} kernels\n", m.tensor_parallel,
             m.pipeline_stages, m.tensor_parallel * m.pipeline_stages, plan.graph.kernels.size());

  const model::DecoderWeightReader weights = stories_weights(config, yaml);
  const platform::DecoderTables tables = platform::calibrate_decoder(weights);
  const std::vector<std::int64_t> prompt{tables.config.bos};
  fmt::print("\n[6] generate {} tokens after BOS on {} software FPGA nodes, and on one process\n",
             kNewTokens, plan.cluster.nodes.size());
  const platform::Generation g =
      platform::generate_on_nodes(plan, tables, prompt, kNewTokens, platform::DecoderRunOptions{});
  fmt::print("tokens: {}\n", fmt::join(g.tokens, " "));
  model::IntDecoder reference(weights);
  const std::vector<int> ids{static_cast<int>(prompt.front())};
  reference.prefill(ids);
  std::vector<std::int64_t> expected{reference.greedy_token()};
  std::vector<double> reference_ms;
  for (std::int64_t n = 1; n < kNewTokens; ++n) {
    const auto start = std::chrono::steady_clock::now();
    reference.forward(static_cast<int>(expected.back()), static_cast<int>(n));
    expected.push_back(reference.greedy_token());
    reference_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
  }
  const bool same = expected == g.tokens;
  fmt::print("same tokens as the single-process integer decoder (atoll generate): {}\n",
             same ? "yes" : "NO");
  if (!same) throw Exit{1};
  fmt::print(
      "on this CPU: {:.3f} ms/token on the software nodes, {:.3f} ms/token in one process "
      "(medians; both emulate the integer arithmetic, neither is an FPGA's time)\n",
      median(g.decode_ms), median(reference_ms));

  fmt::print("\n[7] timing simulation of the {} real boards (prompt 1, {} new tokens)\n",
             plan.cluster.nodes.size(), kNewTokens);
  sim::DecodeOptions options;
  options.new_tokens = kNewTokens;
  const sim::DecodeResult r = sim::simulate_decoder(plan, options);
  print_decoder_simulation(r);
  fmt::print(
      "simulated boards {:.4f} ms/token against this CPU's single-process {:.4f} ms/token: "
      "{:.3g}x. A 260K-parameter model fits on chip and says nothing about the 7B-70B GPU rows; "
      "`atoll report` on a Llama-2-7B plan and docs/decoders.md (\"The answer\") compare those.\n",
      r.mean_token_ms, median(reference_ms), median(reference_ms) / r.mean_token_ms);
}

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

  run_decoder_demo(cluster);
  fmt::print(
      "\nnext: `atoll report --plan P -o report.html` compares FPGA clusters with GPUs "
      "and CPUs, per inference (encoders) or per token (decoders)\n");
}

}  // namespace

void add_demo(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "The main demonstration: reference, mapping, software cluster run, estimate (an encoder, "
      "then a decoder)");
  auto catalogue = std::make_shared<CatalogueOptions>();
  add_catalogue_option(*cmd, *catalogue);
  cmd->callback([catalogue] { run_demo(*catalogue); });
}

}  // namespace atl::cli
