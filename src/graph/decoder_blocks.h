// The kernel layout the decoder builders (arch_llama.cpp, arch_gpt2.cpp) share: the role indices
// of a decoder-only transformer and the graph of its prefill. Each builder gives the stages of
// its roles (RMSNorm or LayerNorm, RoPE or none, SwiGLU or GELU); the layout is the same:
//
//   source (token ids) -> embed -> layers x [attn_norm -> q, k, v -> attention per query head
//   (its K and V head: grouped-query) -> out_proj -> res_attn (+ layer input) -> ffn_norm ->
//   ffn_up -> ffn_down -> res_ffn (+ res_attn)] -> final_norm -> lm_head -> argmax -> sink
//
// Activations between kernels are int32 fixed point (kernels/w8a8.h): 4 bytes per channel; the
// source sends one int32 token id per row and argmax one int32 token per row.
#pragma once

#include <cstdint>

#include "graph/architecture.h"
#include "graph/graph.h"
#include "model/config.h"

namespace atl::graph::decoder {

// Role indices of both decoder tables (0 source and 1 sink as in every architecture).
enum Index : int {
  embed = 2,   // embedding lookup (GPT-2: + learned position), split along the width
  attn_norm,   // norm before attention
  q,           // query projection (+ RoPE), split in whole heads
  k,           // key projection (+ RoPE), split in whole kv heads
  v,           // value projection, split in whole kv heads
  attention,   // one query head over the KV cache; port 1 = its K and V head, gathered
  out_proj,    // output projection
  res_attn,    // residual: attention output + layer input (port 1)
  ffn_norm,    // norm before the FFN
  ffn_up,      // FFN up (Llama: gate and up rows, then SwiGLU; GPT-2: up, then GELU)
  ffn_down,    // FFN down
  res_ffn,     // residual: FFN output + res_attn (port 1)
  final_norm,  // norm after the last layer
  lm_head,     // logits, split along the vocabulary
  argmax,      // greedy next token
};

// The role table of a decoder with the given stage lists of its norms, q/k projections and FFN.
std::vector<RoleInfo> roles(StageType norm, bool with_rope, const std::vector<StageType>& ffn_up);

// Knobs every decoder starts from (before the mapper chooses): linears tile 2 pe 1, element-wise
// stages 4 channels per cycle, attention pe 2; no role split.
KnobMap default_knobs(model::Architecture architecture, const std::vector<RoleInfo>& roles);

// Builds the prefill graph of `config` (a decoder) with validated `knobs`.
Graph build(const model::ModelConfig& config, const KnobMap& knobs);

// The number of kernels build makes; -1 past 64 bits.
std::int64_t kernel_count(const model::ModelConfig& config, const KnobMap& knobs);

}  // namespace atl::graph::decoder
