// The timing of a decoder plan generating text (`atoll simulate --prompt N --new-tokens M`):
// one prefill pass of the N prompt rows (positions 0..N-1), which yields the first new token,
// then M - 1 decode steps of one row each at positions N .. N+M-2. Every pass is timed by
// cost/decode_step.h on the plan's placement and memory placement (docs/simulation.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace atl::sim {

struct DecodeOptions {
  std::int64_t prompt = 1;      // prompt tokens, 1 .. context
  std::int64_t new_tokens = 1;  // tokens to generate, >= 1; prompt + new_tokens - 1 <= context
  bool ideal_network = false;   // zero latency, infinite bandwidth between FPGAs
};

// One step of the critical path of a pass: a kernel (compute or waiting for the board's off-chip
// memory) or a stream between two kernels (on chip or across the network).
struct DecodePathStep {
  enum class Kind { kernel, stream };
  Kind kind = Kind::kernel;
  std::string name;   // kernel name, or "producer -> consumer"
  std::string node;   // kernel: its node; stream: "a -> b" nodes
  std::string bound;  // kernel: "compute" or "memory"; stream: "on-chip" or "network"
  double start_us = 0, end_us = 0;
  friend bool operator==(const DecodePathStep&, const DecodePathStep&) = default;
};

struct DecodeResult {
  std::int64_t prompt = 0, new_tokens = 0, context = 0;  // context: the plan's seq_len
  int boards = 0;                                        // cluster nodes (all draw power)
  double board_power_w = 0;                              // sum over the nodes' board power
  double ttft_ms = 0;  // the prefill pass: prompt in, first new token out
  // Per decode step i (0 .. new_tokens - 2): its position (prompt + i) and its latency.
  std::vector<std::int64_t> positions;
  std::vector<double> token_ms;
  double mean_token_ms = 0;       // over the decode steps (0 when new_tokens == 1)
  double tokens_per_s = 0;        // decode steps / their total time (0 when new_tokens == 1)
  double total_ms = 0;            // ttft + every decode step
  double energy_per_token_j = 0;  // board_power_w x mean_token_ms (the encoder's power x time)
  double prefill_energy_j = 0;    // board_power_w x ttft
  // Weight and KV-cache bytes by where the plan keeps them, over all nodes.
  std::int64_t weight_bytes_on_chip = 0, weight_bytes_off_chip = 0;
  std::int64_t kv_bytes_on_chip = 0, kv_bytes_off_chip = 0;
  // The critical path of the last decode step (of the prefill when new_tokens == 1).
  std::int64_t critical_path_position = 0;
  std::vector<DecodePathStep> critical_path;
};

}  // namespace atl::sim
