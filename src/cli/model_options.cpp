#include "cli/model_options.h"

#include <fmt/format.h>

#include "core/error.h"
#include "core/npy.h"
#include "model/synthetic.h"

namespace atl::cli {

void add_weight_options(CLI::App& cmd, WeightOptions& o) {
  auto* weights = cmd.add_option("--weights", o.dir,
                                 "Weights directory in the golden layout (encoder/<layer>/...); "
                                 "decoder plans (run, node): a llama2.c checkpoint or Hugging "
                                 "Face directory");
  auto* seed = cmd.add_option("--seed", o.seed, "Seed of a synthetic model (default 1)");
  weights->excludes(seed);
}

void add_input_options(CLI::App& cmd, InputOptions& o) {
  auto* input = cmd.add_option("--input", o.file, "int8 hidden states [tokens, hidden] (.npy)");
  auto* random = cmd.add_flag("--random-input", o.random, "Use a seeded random input");
  input->excludes(random);
  cmd.add_option("--input-seed", o.seed, "Seed of --random-input")->capture_default_str();
  cmd.add_option("--tokens", o.tokens, "Tokens of --random-input (default: the model's seq_len)")
      ->check(CLI::PositiveNumber);
}

void add_output_option(CLI::App& cmd, std::string& output) {
  cmd.add_option("-o,--output", output, "Where to write the int8 output (.npy)")->required();
}

void check_input(const InputOptions& o) {
  if (o.file.empty() && !o.random) throw core::Error("give --input X.npy or --random-input");
}

model::EncoderWeights load_weights(const WeightOptions& o, const model::ModelConfig& config) {
  return o.dir.empty() ? model::synthetic_weights(config, o.seed)
                       : model::load_weights(o.dir, config);
}

core::Tensor<std::int8_t> load_input(const InputOptions& o, const model::ModelConfig& config) {
  check_input(o);
  if (o.random) {
    if (o.tokens > 0) model::validate_tokens(config, o.tokens, "--tokens");
    return model::random_input(o.tokens > 0 ? o.tokens : config.seq_len, config.hidden, o.seed);
  }
  core::Tensor<std::int8_t> x = core::read_npy<std::int8_t>(o.file);
  if (x.rank() != 2 || x.dim(1) != config.hidden || x.dim(0) < 1 || x.dim(0) > config.seq_len) {
    throw core::Error(
        fmt::format("{}: expected int8 hidden states [tokens, {}] with 1 <= tokens <= {}, got {}",
                    o.file, config.hidden, config.seq_len, core::to_string(x.shape())));
  }
  return x;
}

std::string describe(const WeightOptions& o) {
  return o.dir.empty() ? fmt::format("synthetic, seed {}", o.seed) : o.dir;
}

std::string describe(const InputOptions& o) {
  return o.random ? fmt::format("random, seed {}", o.seed) : o.file;
}

std::vector<std::string> as_args(const WeightOptions& o) {
  if (o.dir.empty()) return {"--seed", std::to_string(o.seed)};
  return {"--weights", o.dir};
}

std::vector<std::string> as_args(const InputOptions& o) {
  if (!o.random) return {"--input", o.file};
  std::vector<std::string> a{"--random-input", "--input-seed", std::to_string(o.seed)};
  if (o.tokens > 0) a.insert(a.end(), {"--tokens", std::to_string(o.tokens)});
  return a;
}

}  // namespace atl::cli
