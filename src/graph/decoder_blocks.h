// The kernel layout the decoder builders (arch_llama.cpp, arch_gpt2.cpp) share: the role indices
// of a decoder-only transformer and its graph, tensor-parallel as Megatron-LM splits it. Each
// builder gives the stages of its roles (RMSNorm or LayerNorm, RoPE or none, SwiGLU or GELU);
// the layout is the same:
//
//   source (token ids) -> embed parts (width slices, gathered) -> layers x [attn_norm -> q, k, v
//   parts (whole (KV) heads, the normed row broadcast) -> attention per group of query heads
//   (the attention stage's tile knob: 1 = a kernel per head; its KV heads: grouped-query; keeps
//   their int8 KV cache and loops over its query heads) -> out_proj parts (split by INPUT rows:
//   each takes the heads' channels of its slice) -> res_attn (reduce: sum of the partial
//   accumulators, requantise, + layer input) -> ffn_norm -> ffn_up parts (columns) -> ffn_down
//   parts (input rows) -> res_ffn (reduce, + res_attn)] -> final_norm -> lm_head parts (vocabulary
//   rows, each its (max logit, index)) -> argmax (reduce of the pairs) -> sink
//
// Activations between kernels are int32 fixed point (kernels/w8a8.h): 4 bytes per channel; the
// source sends one int32 token id per row and argmax one int32 token per row. A row-split linear
// quantises its input slice at the scale of the WHOLE row (as model::IntDecoder does): the
// kernels that feed one (attention heads, ffn_up parts) append the max |x| of their channels to
// each row, and every part of the linear receives every such max (4 bytes a producer, port 1).
// Each part sends the K = its slice's int32 partial accumulators of all m outputs plus that max
// (the reduce requantises with it): (m + 1) x 4 bytes a row, a reduce stream.
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
  attention,   // tile query heads over their KV cache; port 1 = [K | V] of their KV heads
  out_proj,    // output projection, split by input rows: partial accumulators
  res_attn,    // reduce of out_proj's parts + the layer input (port 1)
  ffn_norm,    // norm before the FFN
  ffn_up,      // FFN up (Llama: gate and up rows, then SwiGLU; GPT-2: up, then GELU)
  ffn_down,    // FFN down, split by input rows: partial accumulators
  res_ffn,     // reduce of ffn_down's parts + res_attn (port 1)
  final_norm,  // norm after the last layer
  lm_head,     // logits, split along the vocabulary: each part its (max logit, index)
  argmax,      // greedy next token: the first largest of the parts' pairs
};

// The role table of a decoder with the given stage lists of its norms, q/k projections and FFN.
std::vector<RoleInfo> roles(StageType norm, bool with_rope, const std::vector<StageType>& ffn_up);

// Knobs every decoder starts from (before the mapper chooses): linears (w8a8_linear,
// w8a8_partial) tile 2 pe 1, element-wise stages 4 channels per cycle, attention pe 2 and one
// query head per kernel (tile 1); no role split.
KnobMap default_knobs(model::Architecture architecture, const std::vector<RoleInfo>& roles);

// Builds the graph of `config` (a decoder) with validated `knobs`. A row carries one token; a
// prefill sends the prompt's rows, a decode step one row (platform/message.h: the step).
Graph build(const model::ModelConfig& config, const KnobMap& knobs);

// Query heads one attention kernel serves: the attention stage's `tile` knob (1: a kernel per
// head). Throws core::Error unless it divides the heads and divides, or is a multiple of, the
// query heads that share one KV head (grouped-query attention).
std::int64_t heads_per_kernel(const model::ModelConfig& config, const KnobMap& knobs);

// The KV heads an attention kernel serving query heads [first_head, first_head + served) reads
// and caches: first, count (a kernel within one KV head's group caches that one head).
struct KvSpan {
  std::int64_t first = 0, count = 1;
};
KvSpan kv_span(const model::ModelConfig& config, std::int64_t first_head, std::int64_t served);

// The number of kernels build makes; -1 past 64 bits.
std::int64_t kernel_count(const model::ModelConfig& config, const KnobMap& knobs);

// Kernels of these roles append the max |x| of their channels to every output row (one int32).
constexpr bool appends_row_max(int index) {
  return index == attention || index == ffn_up;
}

}  // namespace atl::graph::decoder
