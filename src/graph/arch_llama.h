// The Llama decoder (llama-decoder): RMSNorm, RoPE on q and k, grouped-query attention over the
// KV cache, SwiGLU FFN, LM head and greedy argmax (docs/decoders.md), as the prefill graph of the
// shared decoder layout (graph/decoder_blocks.h).
#pragma once

#include "graph/architecture.h"

namespace atl::graph::llama {

// The registry entry: roles, starting knobs and the builder.
Builder make_builder();

}  // namespace atl::graph::llama
