// The decoder mapper: chooses the tensor-parallel degree (the partition of every splitting role),
// the pipeline stages (consecutive layers per group of boards), the query heads per attention
// kernel (the heads of one board), the attention pe and the linears' tile (the largest the
// boards' DSPs hold: one engine per role and board, cost/decode_step.h), and where each kernel
// keeps its weights and KV cache, under the caps; it times each candidate with
// cost/decode_step.h and keeps the best by the objective (docs/mapping.md, "Decoders").
//
// A candidate with tensor-parallel degree t and s stages uses t x s boards: stage j holds layers
// [j L / s, (j + 1) L / s) on boards j t .. j t + t - 1; part i of P of a split role goes to board
// i t / P of its stage, the attention kernel of head h (its first) to board h t / heads, norms and
// residuals to the stage's first board; the embedding on stage 0, the final norm, LM head and
// argmax on the last stage. Weights and caches stay on chip where they fit; the largest move off
// chip until the board fits.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cost/decode_cost.h"
#include "cost/estimate.h"
#include "graph/graph.h"
#include "hw/cluster.h"
#include "map/resources.h"
#include "model/config.h"

namespace atl::map {

enum class DecoderObjective {
  latency,     // decode step (ms/token) at half the context, batch 1
  ttft,        // prefill of `prompt` rows: time to first token
  throughput,  // tokens/s of `batch` sequences stepping together at half the context
};
DecoderObjective parse_decoder_objective(const std::string& text);  // latency|ttft|throughput
const char* to_string(DecoderObjective objective);

struct DecoderTarget {
  DecoderObjective objective = DecoderObjective::latency;
  std::int64_t batch = 1;   // throughput: sequences per step, >= 1
  std::int64_t prompt = 0;  // ttft: prompt rows, 1 .. context; 0: the whole context
  // 0: the mapper chooses the tensor-parallel degree; else only this one is tried (a power of
  // two of at most the boards and kMaxTensorParallel), with its best pipeline.
  int tensor_parallel = 0;
};

// Tensor-parallel degrees tried: powers of two up to this. Beyond, every linear's slice is a few
// rows and the graph (each out_proj and ffn_down slice fed by every head and FFN slice) grows as
// t^2 streams per layer.
inline constexpr int kMaxTensorParallel = 64;

struct DecoderMapping {
  graph::Graph graph;
  std::vector<int> node_of_kernel;
  std::vector<cost::KernelMemory> memory;  // per kernel
  int tensor_parallel = 1, pipeline_stages = 1, tile = 1;
  double decode_ms = 0;     // one step at half the context, batch 1
  double ttft_ms = 0;       // prefill of the target's prompt
  double tokens_per_s = 0;  // the target's batch at half the context
  int candidates = 0;       // (t, s) pairs that fitted and were timed
  cost::Estimate estimate;  // latency_us = decode step; throughput = tokens/s; per-node use
};

// Throws core::Error of ErrorKind::does_not_fit when no candidate fits the cluster, naming what
// ran out on the best attempt (the most boards, the most tensor parallelism).
DecoderMapping map_decoder(const model::ModelConfig& config, const hw::Cluster& cluster,
                           const DecoderTarget& target, const Caps& caps = {});

}  // namespace atl::map
