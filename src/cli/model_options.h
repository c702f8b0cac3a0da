// The options that say which weights, which input and which output file a verb runs the model
// with: declared once, for every verb that runs it (`infer`, `run`, `node`), so that they read
// and mean the same everywhere.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/config.h"
#include "model/weights.h"

namespace atl::cli {

struct WeightOptions {
  std::string dir;         // golden-layout directory; empty: synthetic from `seed`
  std::uint64_t seed = 1;  // synthetic weights
};

struct InputOptions {
  std::string file;  // .npy; empty with `random`
  bool random = false;
  std::uint64_t seed = 2;   // of the random input
  std::int64_t tokens = 0;  // rows of the random input; 0 = the model's seq_len
};

// --weights DIR | --seed N.
void add_weight_options(CLI::App& cmd, WeightOptions& o);
// --input X.npy | --random-input [--input-seed N] [--tokens T].
void add_input_options(CLI::App& cmd, InputOptions& o);
// -o/--output Y.npy (required).
void add_output_option(CLI::App& cmd, std::string& output);

// Throws core::Error unless exactly one of --input / --random-input was given.
void check_input(const InputOptions& o);

model::EncoderWeights load_weights(const WeightOptions& o, const model::ModelConfig& config);
// The input, checked against the model: int8 [tokens, hidden] with 1 <= tokens <= seq_len.
// Throws core::Error naming the file or --tokens otherwise.
core::Tensor<std::int8_t> load_input(const InputOptions& o, const model::ModelConfig& config);

// How the weights and the input were chosen, for the verbs' first lines.
std::string describe(const WeightOptions& o);
std::string describe(const InputOptions& o);

// The options again as arguments, to start `atoll node` processes with.
std::vector<std::string> as_args(const WeightOptions& o);
std::vector<std::string> as_args(const InputOptions& o);

}  // namespace atl::cli
