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
#include "model/weights.h"
#include "plan/plan.h"
#include "platform/node.h"
#include "platform/run.h"

namespace atl::cli {

struct RunInputs {
  std::string plan;
  WeightOptions weights;
  InputOptions input;
  std::string output;
  double timeout_s = 30;

  std::chrono::milliseconds timeout() const;
};

// Adds --plan, the weight and input options of `infer` (model_options.h), -o and --timeout.
void add_run_inputs(CLI::App& cmd, RunInputs& o);
// The same options as arguments, to start `atoll node` processes with.
std::vector<std::string> run_input_args(const RunInputs& o);

// The model the plan's graph was built for, its weights and the input, checked against it.
model::EncoderWeights load_run_weights(const RunInputs& o, const plan::Plan& plan);
core::Tensor<std::int8_t> load_run_input(const RunInputs& o, const plan::Plan& plan);

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
