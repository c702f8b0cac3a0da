#include "cli/software_nodes.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/npy.h"
#include "graph/encoder.h"
#include "model/synthetic.h"
#include "platform/run.h"

namespace atl::cli {

void add_run_inputs(CLI::App& cmd, RunInputs& o) {
  cmd.add_option("--plan", o.plan, "Plan JSON (from `atoll map`)")
      ->required()
      ->check(CLI::ExistingFile);
  auto* weights = cmd.add_option("--weights", o.weights,
                                 "Weights directory in the golden layout (encoder/<layer>/...)");
  auto* seed = cmd.add_option("--seed", o.seed, "Seed of a synthetic model (default 1)");
  weights->excludes(seed);
  auto* input = cmd.add_option("--input", o.input, "int8 hidden states [tokens, hidden] (.npy)");
  auto* random = cmd.add_flag("--random-input", o.random_input, "Use a seeded random input");
  input->excludes(random);
  cmd.add_option("--input-seed", o.input_seed, "Seed of --random-input")->capture_default_str();
  cmd.add_option("--tokens", o.tokens, "Tokens of --random-input (default: the plan's seq_len)")
      ->check(CLI::PositiveNumber);
  cmd.add_option("-o,--output", o.output, "Where to write the int8 output (.npy)")->required();
  cmd.add_option("--timeout", o.timeout_s,
                 "Seconds the run may take before it is stopped with an error")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

void check_run_inputs(const RunInputs& o) {
  if (o.input.empty() && !o.random_input) throw core::Error("give --input X.npy or --random-input");
}

std::vector<std::string> run_input_args(const RunInputs& o) {
  std::vector<std::string> a{"--plan", o.plan,      "-o",
                             o.output, "--timeout", fmt::format("{}", o.timeout_s)};
  if (o.weights.empty()) {
    a.insert(a.end(), {"--seed", std::to_string(o.seed)});
  } else {
    a.insert(a.end(), {"--weights", o.weights});
  }
  if (o.random_input) {
    a.insert(a.end(), {"--random-input", "--input-seed", std::to_string(o.input_seed)});
    if (o.tokens > 0) a.insert(a.end(), {"--tokens", std::to_string(o.tokens)});
  } else {
    a.insert(a.end(), {"--input", o.input});
  }
  return a;
}

model::EncoderWeights load_run_weights(const RunInputs& o, const plan::Plan& plan) {
  const model::ModelConfig config = graph::model_config(plan.graph);
  return o.weights.empty() ? model::synthetic_weights(config, o.seed)
                           : model::load_weights(o.weights, config);
}

core::Tensor<std::int8_t> load_run_input(const RunInputs& o, const plan::Plan& plan) {
  if (o.random_input) {
    if (o.tokens > 0) model::validate_tokens(graph::model_config(plan.graph), o.tokens, "--tokens");
    return model::random_input(o.tokens > 0 ? o.tokens : plan.graph.seq_len, plan.graph.hidden,
                               o.input_seed);
  }
  return core::read_npy<std::int8_t>(o.input);
}

void print_traffic(const std::vector<platform::NodeTraffic>& nodes) {
  fmt::print("{:<12} {:>7} {:>8} {:>8} {:>10} {:>8} {:>8} {:>10} {:>10} {:>10} {:>8} {:>8}\n",
             "node", "kernels", "msgs out", "pkts out", "bytes out", "msgs in", "pkts in",
             "bytes in", "net out B", "net in B", "busy ms", "done ms");
  for (const platform::NodeTraffic& n : nodes) {
    fmt::print(
        "{:<12} {:>7} {:>8} {:>8} {:>10} {:>8} {:>8} {:>10} {:>10} {:>10} {:>8.2f} {:>8.2f}\n",
        n.node, n.kernels, n.messages_sent, n.packets_sent, n.bytes_sent, n.messages_received,
        n.packets_received, n.bytes_received, n.network.bytes_sent, n.network.bytes_received,
        n.busy_ms, n.done_ms);
  }
}

void print_run(const platform::RunResult& result) {
  print_traffic(result.nodes);
  fmt::print("setup {:.1f} ms, run {:.1f} ms\n", result.setup_ms, result.run_ms);
}

}  // namespace atl::cli
