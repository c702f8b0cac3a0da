// `atoll demo`: the main demonstration, run by `make demo`.
#include <fmt/format.h>

#include "cli/inference.h"
#include "cli/paths.h"
#include "cli/verbs.h"
#include "model/config.h"
#include "model/synthetic.h"

namespace atl::cli {
namespace {

void run_demo() {
  const auto model_path = shipped_file("examples/models/ibert-base.yaml");
  const model::ModelConfig config = model::load_model_config(model_path);
  fmt::print("atoll demo: {} ({} layers, {} tokens), synthetic weights (seed 1)\n", config.name,
             config.layers, config.seq_len);
  model::Encoder encoder(model::synthetic_weights(config, 1));
  const auto x = model::random_input(config.seq_len, config.hidden, 2);
  fmt::print("\n[1] single-process integer reference vs float32 reference\n");
  print_inference(run_inference(encoder, x, 3, true));
}

}  // namespace

void add_demo(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("demo", "Run the main demonstration on a synthetic I-BERT-base");
  cmd->callback(run_demo);
}

}  // namespace atl::cli
