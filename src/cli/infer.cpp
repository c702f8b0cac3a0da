// `atoll infer`: the single-process integer I-BERT reference on one input.
#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>

#include "cli/inference.h"
#include "cli/model_options.h"
#include "cli/verbs.h"
#include "core/npy.h"
#include "model/config.h"
#include "model/weights.h"

namespace atl::cli {
namespace {

struct InferOptions {
  std::string model;
  WeightOptions weights;
  InputOptions input;
  int repeat = 1;
  std::string output;
  std::string save_weights;
  bool no_float_check = false;
};

void run(const InferOptions& o) {
  check_input(o.input);
  const model::ModelConfig config = model::load_model_config(o.model);
  model::EncoderWeights weights = load_weights(o.weights, config);
  if (!o.save_weights.empty()) model::save_weights(weights, o.save_weights);
  const core::Tensor<std::int8_t> x = load_input(o.input, config);
  fmt::print("model: {} ({} layers, hidden {}, {} heads, FFN {}), weights: {}\n", config.name,
             config.layers, config.hidden, config.heads, config.intermediate, describe(o.weights));
  fmt::print("input: {} [{} x {}]\n", describe(o.input), x.dim(0), x.dim(1));
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
  add_weight_options(*cmd, o->weights);
  add_input_options(*cmd, o->input);
  cmd->add_option("--repeat", o->repeat, "Forward passes to time (the median is printed)")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  add_output_option(*cmd, o->output);
  cmd->add_option("--save-weights", o->save_weights,
                  "Also write the weights in the golden layout to this directory");
  cmd->add_flag("--no-float-check", o->no_float_check, "Skip the float32 reference comparison");
  cmd->callback([o] { run(*o); });
}

}  // namespace atl::cli
