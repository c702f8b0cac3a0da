// Running a decoder plan on software FPGA nodes: greedy generation, a prefill step and then one
// decode step per token, each step a message of rows (platform/message.h: the step descriptor)
// flowing through the plan's graph (graph/decoder_blocks.h) over a transport. The nodes of a
// process run their kernels (decoder_kernel.h) on the calling thread, in the graph's topological
// order, each keeping its state (the attention heads' KV caches) across steps: a kernel's inputs
// are then always sent before it runs (or it waits for another process's), and a decode step
// costs no thread wake-ups (a thread per node made each cross-node hop one: 8.6 ms/token for
// stories260K on 4 nodes against 0.09 ms in one process, on a loaded 2-core machine, the
// benchmark bench/decoder_nodes_bench.cpp); a stream between nodes travels as Galapagos packets
// (one per row, the header first, payloads reused): to a node of another process through the
// sender's router and the transport (MPI, UDP), to another node of this process straight into
// that node's router (the in-process network is a function call; its routers count no traffic);
// a stream inside a node hands its message to the consumer's reader in memory (on the FPGA: an
// on-chip stream). Each kernel's streams are resolved once, before the first step. The host's loop lives
// with the graph's sink kernel: it sends the step's token ids (as the source kernel, through
// that node's router), waits for the argmax's token, and sends the next step. The tokens equal
// model::IntDecoder's (`atoll generate`).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "plan/plan.h"
#include "platform/decoder_kernel.h"
#include "platform/decoder_tables.h"
#include "platform/failure.h"
#include "platform/transport.h"

namespace atl::platform {

struct DecoderRunOptions {
  // The whole generation must finish within this; every blocking wait gives up then.
  std::chrono::milliseconds timeout{30'000};
  // Called on a node's thread just before a kernel computes a step (tests inject faults by
  // throwing).
  std::function<void(const graph::Kernel&, Step)> before_compute;
};

struct Generation {
  std::vector<std::int64_t> tokens;  // the new tokens (on the process that runs the host loop)
  double prefill_ms = 0;             // the prompt's step: its ids sent to its token back
  std::vector<double> decode_ms;     // each decode step
  bool host = false;                 // whether this process ran the host loop (holds the sink)
};

// Throws core::Error unless the plan is a decoder plan these nodes can run with `tables` (the
// same shape; at most 255 streams into a kernel) and `prompt` and `new_tokens` fit: ids in the
// vocabulary, prompt + new_tokens - 1 positions within the context, new_tokens >= 1.
void check_generation(const plan::Plan& plan, const DecoderTables& tables,
                      std::span<const std::int64_t> prompt, std::int64_t new_tokens);

// Nodes `local` of the plan in this process over `transport` (which must reach the others):
// greedy generation of `new_tokens` after `prompt`. Every process of the run calls it with the
// same arguments; the one holding the sink kernel runs the host loop. Throws
// core::Error (kind failed) naming the node and kernel of the first failure, or (timeout) when
// the run passes its timeout; never waits longer.
Generation generate_on_nodes(const plan::Plan& plan, const DecoderTables& tables,
                             std::span<const std::int64_t> prompt, std::int64_t new_tokens,
                             std::span<const int> local, Transport& transport,
                             const DecoderRunOptions& options);

// Every node of the plan in this process over an in-process transport.
Generation generate_on_nodes(const plan::Plan& plan, const DecoderTables& tables,
                             std::span<const std::int64_t> prompt, std::int64_t new_tokens,
                             const DecoderRunOptions& options);

}  // namespace atl::platform
