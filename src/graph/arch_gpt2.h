// The GPT-2 decoder (gpt2-decoder): LayerNorm, learned positions (no RoPE), multi-head attention
// over the KV cache, GELU FFN, LM head and greedy argmax (docs/decoders.md), as the prefill graph
// of the shared decoder layout (graph/decoder_blocks.h).
#pragma once

#include "graph/architecture.h"

namespace atl::graph::gpt2 {

// The registry entry: roles, starting knobs and the builder.
Builder make_builder();

}  // namespace atl::graph::gpt2
