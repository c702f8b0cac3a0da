// What `atoll run` and `atoll node` share: the options of a run on software nodes (plan, model,
// input, output, timeout, transport), declared once so that they read and mean the same on both
// verbs, and the per-node traffic table (also used by `atoll demo`).
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "cli/model_options.h"
#include "core/tensor.h"
#include "model/decoder_model.h"
#include "model/weights.h"
#include "plan/plan.h"
#include "platform/decoder_run.h"
#include "platform/node.h"
#include "platform/run.h"

namespace atl::cli {

// What a decoder plan generates from: the prompt (--bos: the model's BOS alone, or
// --prompt-ids) and the number of new tokens (greedy), as `atoll generate` takes them.
struct DecoderInputs {
  bool bos = false;
  std::vector<std::int64_t> prompt;
  std::int64_t new_tokens = 0;
};

struct RunInputs {
  std::string plan;
  WeightOptions weights;
  InputOptions input;     // encoder plans
  DecoderInputs decoder;  // decoder plans
  std::string output;
  double timeout_s = 30;

  std::chrono::milliseconds timeout() const;
};

// Adds --plan, the weight and input options of `infer` (model_options.h), the prompt options of
// `generate` (decoder plans), -o and --timeout.
void add_run_inputs(CLI::App& cmd, RunInputs& o);
// The same options as arguments, to start `atoll node` processes with.
std::vector<std::string> run_input_args(const RunInputs& o);

// The model the plan's graph was built for, its weights and the input, checked against it.
model::EncoderWeights load_run_weights(const RunInputs& o, const plan::Plan& plan);
core::Tensor<std::int8_t> load_run_input(const RunInputs& o, const plan::Plan& plan);

// Whether the plan's graph is a decoder's (run and node then generate tokens).
bool is_decoder_plan(const plan::Plan& plan);
// A decoder plan's weights, read piece by piece as `atoll generate` reads them: --weights
// FILE|DIR (llama2.c checkpoint or Hugging Face directory) or --seed N (synthetic weights of the
// model YAML the plan was mapped from, plan.model_config). Throws core::Error naming the file
// when it cannot be read; the shape is checked against the plan by platform::check_generation.
model::DecoderWeightReader decoder_reader(const RunInputs& o, const plan::Plan& plan);
// The prompt's token ids (--bos: the model's BOS); throws unless one of --bos / --prompt-ids and
// --new-tokens were given.
std::vector<std::int64_t> decoder_prompt(const RunInputs& o, const model::DecoderConfig& c);
// Prints `tokens: ...`, `prefill: <ms> ms`, `decode: <median> ms/token` as `atoll generate`
// does and writes the prompt and the generated tokens to -o (int64 .npy).
void finish_generation(const RunInputs& o, const std::vector<std::int64_t>& prompt,
                       const platform::Generation& g);

// How packets travel between the nodes of a run; the same values and meaning on `run` and
// `node`: `run` starts the processes itself, `node` is one of them.
enum class TransportKind {
  inproc,  // every node in one process, one thread per kernel
  mpi,     // Open MPI ranks, one per group of --nodes-per-rank nodes
  udp,     // one process per node, Galapagos datagrams over UDP
};

struct TransportOptions {
  TransportKind kind = TransportKind::inproc;
  int nodes_per_rank = 1;  // MPI
  int udp_port = 9000;     // UDP: node n listens on 127.0.0.1:(udp_port + n)
};

// --transport (default `kind`), --nodes-per-rank and --udp-port.
void add_transport_options(CLI::App& cmd, TransportOptions& o);
const char* to_string(TransportKind kind);

// One line per node: kernels, messages/packets/bytes sent and received, network bytes, busy
// time (in their stages) and when its last kernel finished.
void print_traffic(const std::vector<platform::NodeTraffic>& nodes);
// The traffic table, then setup and run times (what `atoll run` and `atoll demo` show).
void print_run(const platform::RunResult& result);

}  // namespace atl::cli
