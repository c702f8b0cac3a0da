// `atoll infer`: the single-process integer I-BERT reference on one input.
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "cli/inference.h"
#include "cli/verbs.h"
#include "core/npy.h"
#include "model/config.h"
#include "model/synthetic.h"
#include "model/weights.h"

namespace atl::cli {
namespace {

struct InferOptions {
  std::string model;
  std::string weights;
  std::uint64_t seed = 1;
  std::string input;
  bool random_input = false;
  std::uint64_t input_seed = 2;
  std::int64_t tokens = 0;
  int repeat = 1;
  std::string output;
  std::string save_weights;
  bool no_float_check = false;
};

void run(const InferOptions& o) {
  const model::ModelConfig config = model::load_model_config(o.model);
  model::EncoderWeights weights = o.weights.empty() ? model::synthetic_weights(config, o.seed)
                                                    : model::load_weights(o.weights, config);
  if (!o.save_weights.empty()) model::save_weights(weights, o.save_weights);

  core::Tensor<std::int8_t> x;
  if (o.random_input) {
    if (o.tokens) model::validate_tokens(config, o.tokens, "--tokens");
    x = model::random_input(o.tokens ? o.tokens : config.seq_len, config.hidden, o.input_seed);
  } else {
    x = core::read_npy<std::int8_t>(o.input);
    if (x.rank() != 2 || x.dim(1) != config.hidden || x.dim(0) < 1 || x.dim(0) > config.seq_len) {
      throw core::Error(fmt::format("{}: expected int8 hidden states [tokens, {}] with 1 <= tokens "
                                    "<= {}, got {}", o.input, config.hidden, config.seq_len,
                                    core::to_string(x.shape())));
    }
  }
  fmt::print("model: {} ({} layers, hidden {}, {} heads, FFN {}), weights: {}\n", config.name,
             config.layers, config.hidden, config.heads, config.intermediate,
             o.weights.empty() ? fmt::format("synthetic, seed {}", o.seed) : o.weights);
  fmt::print("input: {} [{} x {}]\n",
             o.random_input ? fmt::format("random, seed {}", o.input_seed) : o.input, x.dim(0),
             x.dim(1));
  model::Encoder encoder(std::move(weights));
  const InferenceResult r = run_inference(encoder, x, o.repeat, !o.no_float_check);
  core::write_npy(o.output, r.output);
  print_inference(r);
  fmt::print("output: {}\n", o.output);
}

}  // namespace

void add_infer(CLI::App& app) {
  auto o = std::make_shared<InferOptions>();
  CLI::App* cmd = app.add_subcommand(
      "infer", "Run the integer I-BERT encoder on one input in this process (the reference)");
  cmd->add_option("--model", o->model, "Model YAML (e.g. examples/models/ibert-base.yaml)")
      ->required()
      ->check(CLI::ExistingFile);
  auto* weights = cmd->add_option("--weights", o->weights,
                                  "Weights directory in the golden layout (encoder/<layer>/...)");
  auto* seed = cmd->add_option("--seed", o->seed, "Seed of a synthetic model (default 1)");
  weights->excludes(seed);
  auto* input = cmd->add_option("--input", o->input, "int8 hidden states [tokens, hidden] (.npy)");
  auto* random = cmd->add_flag("--random-input", o->random_input, "Use a seeded random input");
  input->excludes(random);
  cmd->add_option("--input-seed", o->input_seed, "Seed of --random-input")->capture_default_str();
  cmd->add_option("--tokens", o->tokens, "Tokens of --random-input (default: the model's seq_len)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--repeat", o->repeat, "Forward passes to time (the median is printed)")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Where to write the int8 output (.npy)")->required();
  cmd->add_option("--save-weights", o->save_weights,
                  "Also write the weights in the golden layout to this directory");
  cmd->add_flag("--no-float-check", o->no_float_check, "Skip the float32 reference comparison");
  cmd->callback([o] {
    if (o->input.empty() && !o->random_input) {
      throw core::Error("infer: give --input X.npy or --random-input");
    }
    run(*o);
  });
}

}  // namespace atl::cli
