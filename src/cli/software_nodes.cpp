#include "cli/software_nodes.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>

#include "cli/inference.h"
#include "core/error.h"
#include "core/npy.h"
#include "graph/architecture.h"
#include "model/config.h"
#include "model/hf_decoder.h"
#include "model/llama2c.h"
#include "model/synthetic_decoder.h"
#include "plan/check.h"
#include "platform/run.h"

namespace atl::cli {

namespace {

// --timeout: seconds, finite, above zero and at most platform::kMaxRunTimeout.
CLI::Validator timeout_seconds() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const double max_s = std::chrono::duration<double>(platform::kMaxRunTimeout).count();
        double s = 0;
        std::size_t used = 0;
        try {
          s = std::stod(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != text.size() || !std::isfinite(s) || s <= 0 || s > max_s) {
          return fmt::format("expected seconds above 0 and at most {} ({} h), got '{}'", max_s,
                             platform::kMaxRunTimeout.count(), text);
        }
        return {};
      },
      "SECONDS in (0, 86400]");
}

}  // namespace

std::chrono::milliseconds RunInputs::timeout() const {
  // At least 1 ms: the validated seconds, rounded up.
  return std::chrono::ceil<std::chrono::milliseconds>(std::chrono::duration<double>(timeout_s));
}

void add_run_inputs(CLI::App& cmd, RunInputs& o) {
  cmd.add_option("--plan", o.plan, "Plan JSON (from `atoll map`)")
      ->required()
      ->check(CLI::ExistingFile);
  add_weight_options(cmd, o.weights);
  add_input_options(cmd, o.input);
  auto* bos = cmd.add_flag("--bos", o.decoder.bos, "Decoder plans: start from the model's BOS");
  auto* prompt = cmd.add_option("--prompt-ids", o.decoder.prompt,
                                "Decoder plans: prompt token ids, e.g. 1,403,407")
                     ->delimiter(',');
  bos->excludes(prompt);
  cmd.add_option("--new-tokens", o.decoder.new_tokens,
                 "Decoder plans: tokens to generate (greedy); -o then gets the prompt and the "
                 "generated token ids (int64 .npy)");
  add_output_option(cmd, o.output);
  cmd.add_option("--timeout", o.timeout_s,
                 "Seconds the run may take before it is stopped with an error (at most 86400)")
      ->check(timeout_seconds())
      ->capture_default_str();
}

std::vector<std::string> run_input_args(const RunInputs& o) {
  std::vector<std::string> a{"--plan", o.plan,      "-o",
                             o.output, "--timeout", fmt::format("{}", o.timeout_s)};
  for (std::string& w : as_args(o.weights)) a.push_back(std::move(w));
  for (std::string& i : as_args(o.input)) a.push_back(std::move(i));
  if (o.decoder.bos) a.emplace_back("--bos");
  if (!o.decoder.prompt.empty()) {
    a.emplace_back("--prompt-ids");
    a.push_back(fmt::format("{}", fmt::join(o.decoder.prompt, ",")));
  }
  if (o.decoder.new_tokens != 0) {
    a.insert(a.end(), {"--new-tokens", std::to_string(o.decoder.new_tokens)});
  }
  return a;
}

model::EncoderWeights load_run_weights(const RunInputs& o, const plan::Plan& plan) {
  plan::require_encoder(plan, o.plan);
  return load_weights(o.weights, graph::model_config(plan.graph));
}

core::Tensor<std::int8_t> load_run_input(const RunInputs& o, const plan::Plan& plan) {
  plan::require_encoder(plan, o.plan);
  return load_input(o.input, graph::model_config(plan.graph));
}

bool is_decoder_plan(const plan::Plan& plan) {
  return plan.graph.architecture != model::Architecture::ibert_encoder;
}

model::DecoderWeightReader decoder_reader(const RunInputs& o, const plan::Plan& plan) {
  if (!o.weights.dir.empty()) {
    model::DecoderWeightReader r = std::filesystem::is_directory(o.weights.dir)
                                       ? model::open_hf_decoder(o.weights.dir)
                                       : model::open_llama2c(o.weights.dir);
    r.config.name = plan.graph.model;
    return r;
  }
  // The synthetic weights depend on more than the graph's shape (tied embeddings, RoPE, norm):
  // the model YAML the plan was mapped from says it, as it does for `atoll generate --seed`.
  if (!std::filesystem::is_regular_file(plan.model_config)) {
    throw core::Error(fmt::format(
        "{}: --seed draws the weights of the model YAML the plan was mapped from, '{}', which is "
        "not a file here; give --weights FILE",
        o.plan, plan.model_config));
  }
  return model::synthetic_reader(model::load_decoder_config(plan.model_config), o.weights.seed);
}

std::vector<std::int64_t> decoder_prompt(const RunInputs& o, const model::DecoderConfig& c) {
  if (!o.decoder.bos && o.decoder.prompt.empty()) {
    throw core::Error(fmt::format("{}: a decoder plan: give --bos or --prompt-ids", o.plan));
  }
  if (o.decoder.new_tokens < 1) throw core::Error("--new-tokens: give at least 1");
  return o.decoder.bos ? std::vector<std::int64_t>{c.bos} : o.decoder.prompt;
}

void finish_generation(const RunInputs& o, const std::vector<std::int64_t>& prompt,
                       const platform::Generation& g) {
  fmt::print("tokens: {}\n", fmt::join(g.tokens, " "));
  print_decode_times(g.prefill_ms, g.decode_ms);
  std::vector<std::int64_t> ids = prompt;
  ids.insert(ids.end(), g.tokens.begin(), g.tokens.end());
  core::write_npy(o.output,
                  core::Tensor<std::int64_t>({static_cast<std::int64_t>(ids.size())}, ids));
  fmt::print("output: {} ({} tokens: prompt and generated)\n", o.output, ids.size());
}

const char* to_string(TransportKind kind) {
  switch (kind) {
    case TransportKind::inproc:
      return "inproc";
    case TransportKind::mpi:
      return "mpi";
    case TransportKind::udp:
      return "udp";
  }
  return "?";
}

void add_transport_options(CLI::App& cmd, TransportOptions& o) {
  cmd.add_option_function<std::string>(
         "--transport",
         [&o](const std::string& name) {
           for (TransportKind k : {TransportKind::inproc, TransportKind::mpi, TransportKind::udp}) {
             if (name == to_string(k)) o.kind = k;
           }
         },
         "inproc (every node in one process, a thread per kernel), mpi (Open MPI ranks under "
         "mpirun) or udp (one process per node, Galapagos datagrams)")
      ->check(CLI::IsMember({"inproc", "mpi", "udp"}))
      ->default_str(to_string(o.kind));
  cmd.add_option("--nodes-per-rank", o.nodes_per_rank, "mpi: consecutive nodes per rank")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  cmd.add_option("--udp-port", o.udp_port, "udp: node n listens on 127.0.0.1:(port + n)")
      ->check(CLI::Range(1, 65000))
      ->capture_default_str();
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
