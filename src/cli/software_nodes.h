// What `atoll run`, `atoll node` and `atoll demo` share: the model and input options of a run on
// software nodes, and the per-node traffic table.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/weights.h"
#include "plan/plan.h"
#include "platform/node.h"
#include "platform/run.h"

namespace atl::cli {

struct RunInputs {
  std::string plan;
  std::string weights;  // golden-layout directory; empty: synthetic from `seed`
  std::uint64_t seed = 1;
  std::string input;  // .npy; empty with random_input
  bool random_input = false;
  std::uint64_t input_seed = 2;
  std::int64_t tokens = 0;  // random input rows; 0 = the plan's seq_len
  std::string output;
  double timeout_s = 30;
};

// Adds --plan, --weights/--seed, --input/--random-input/--input-seed/--tokens, -o, --timeout.
// Defaults match `atoll infer`, so both verbs see the same model and input.
void add_run_inputs(CLI::App& cmd, RunInputs& o);
// Throws core::Error unless exactly one of --input / --random-input was given.
void check_run_inputs(const RunInputs& o);
// The same options as arguments, to start `atoll node` ranks with.
std::vector<std::string> run_input_args(const RunInputs& o);

model::EncoderWeights load_run_weights(const RunInputs& o, const plan::Plan& plan);
core::Tensor<std::int8_t> load_run_input(const RunInputs& o, const plan::Plan& plan);

// One line per node: kernels, messages/packets/bytes sent and received, network bytes, busy
// time (in their stages) and when its last kernel finished.
void print_traffic(const std::vector<platform::NodeTraffic>& nodes);
// The traffic table, then setup and run times (what `atoll run` and `atoll demo` show).
void print_run(const platform::RunResult& result);

}  // namespace atl::cli
