// The I-BERT encoder (ibert-encoder) as a kernel graph, for any number of layers: its roles, the
// published Cluster Builder knobs, and the builder. This is what the Cluster Builder's setup.py
// derives from its config.json (reference-system.md §1.8, §2.4), made explicit as data.
#pragma once

#include <cstdint>

#include "graph/architecture.h"
#include "graph/graph.h"
#include "model/config.h"

namespace atl::graph::ibert {

constexpr Role role(int index) {
  return {model::Architecture::ibert_encoder, index};
}
// The roles of the encoder (indices into its role table, arch_ibert.cpp).
inline constexpr Role source =
    role(kSourceRole);  // injects the encoder input (host / previous encoder)
inline constexpr Role sink = role(kSinkRole);  // collects the encoder output
inline constexpr Role q = role(2);             // Q/K/V linear + quant_act (int8 out)
inline constexpr Role k = role(3);
inline constexpr Role v = role(4);
inline constexpr Role attention = role(5);  // one head: Q.K^T + softmax (uint8 probabilities out)
inline constexpr Role context = role(6);    // one head: P.V + quant_act (int8 out)
// Gather of heads + output linear + quant_act to int32 (self_output/act_linear m, e: golden
// act_linear/output0 out).
inline constexpr Role out_proj = role(7);
// residual_act (identity = layer input, act_linear m1, e1) + LayerNorm + quant_act (int8 out).
inline constexpr Role ln_attn = role(8);
inline constexpr Role ffn1 = role(9);  // intermediate linear + GELU + quant_act (int8 out)
// Output linear + quant_act to int32 (output/act_linear m, e: output0 out).
inline constexpr Role ffn2 = role(10);
// residual_act (identity = ln_attn output, m1, e1) + LayerNorm + quant_act (int8 out).
inline constexpr Role ln_ffn = role(11);

// The registry entry: roles (each in its Cluster Builder sub-layer), the published knobs and the
// builder. The default knobs are the published Cluster Builder config.json
// (reference-system.md §1.8): attention_0 linear tile 2 pe 6, act 4; attention_1
// attention_matmul pe 2, softmax unroll 2; attention_2 softmax_matmul pe 2, act 4;
// attention_output_0 tile 4 pe 12, act 4; attention_output_1 layernorm 16, act 4; intermediate_0
// tile 4 pe 12, gelu 4, act 4; intermediate_output_0 tile 4 pe 12, act 4;
// intermediate_output_1 layernorm 4, act 4. The residual_act stage of the LayerNorm roles is
// IdentityQuantAct, fixed at 16 channels/cycle.
Builder make_builder();

// The published knobs (make_builder().default_knobs).
KnobMap default_knobs();

// Builds the encoder graph: source -> `config.layers` encoder layers -> sink. Kernel names are
// "l<layer>.<role>[.p<part>]" and "l<layer>.h<head>.attention|context"; streams carry exact bytes
// per token row (int8 1 B, int32 4 B per element; probabilities seq_len B per row).
Graph build(const model::ModelConfig& config, const KnobMap& knobs);

// The number of kernels build makes: 2 + layers * (partitions of the linear roles + 2 * heads +
// 2); -1 if it would not fit 64 bits.
std::int64_t kernel_count(const model::ModelConfig& config, const KnobMap& knobs);

}  // namespace atl::graph::ibert
