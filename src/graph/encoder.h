// The I-BERT encoder as a kernel graph, for any number of layers, with the parallelism knobs of
// each kernel role. This is what the Cluster Builder's setup.py derives from its config.json
// (reference-system.md §1.8, §2.4), made explicit as data.
#pragma once

#include <vector>

#include "graph/graph.h"
#include "model/config.h"

namespace atl::graph {

// Knobs of every kernel of one role (all layers share them, as in Cluster Builder).
struct RoleKnobs {
  // Tensor-parallel kernels: linear roles (q, k, v, out_proj, ffn1, ffn2) split their output rows
  // M into `partition` slices. The per-head roles (attention, context) and the LayerNorm roles
  // are always 1 (heads already give attention its parallelism).
  int partition = 1;
  // One entry per stage of the role's kernels, in pipeline order (see stage_types(role)).
  std::vector<Knobs> stages;
  friend bool operator==(const RoleKnobs&, const RoleKnobs&) = default;
};

// The knobs of all roles of an encoder. The defaults are the published Cluster Builder config.json
// (reference-system.md §1.8): attention_0 linear tile 2 pe 6, act 4; attention_1 attention_matmul
// pe 2, softmax unroll 2; attention_2 softmax_matmul pe 2, act 4; attention_output_0 tile 4 pe 12,
// act 4; attention_output_1 layernorm 16, act 4; intermediate_0 tile 4 pe 12, gelu 4, act 4;
// intermediate_output_0 tile 4 pe 12, act 4; intermediate_output_1 layernorm 4, act 4.
// The residual_act stage of the LayerNorm roles is IdentityQuantAct, fixed at 16 channels/cycle.
struct SublayerKnobs {
  RoleKnobs q{1, {{2, 6, 1}, {1, 1, 4}}};                     // linear, quant_act
  RoleKnobs k{1, {{2, 6, 1}, {1, 1, 4}}};                     // linear, quant_act
  RoleKnobs v{1, {{2, 6, 1}, {1, 1, 4}}};                     // linear, quant_act
  RoleKnobs attention{1, {{1, 2, 1}, {1, 1, 2}}};             // attention_matmul, softmax
  RoleKnobs context{1, {{1, 2, 1}, {1, 1, 4}}};               // softmax_matmul, quant_act
  RoleKnobs out_proj{1, {{4, 12, 1}, {1, 1, 4}}};             // linear, quant_act (int32 out)
  RoleKnobs ln_attn{1, {{1, 1, 16}, {1, 1, 16}, {1, 1, 4}}};  // residual_act, layernorm, quant_act
  RoleKnobs ffn1{1, {{4, 12, 1}, {1, 1, 4}, {1, 1, 4}}};      // linear, gelu, quant_act
  RoleKnobs ffn2{1, {{4, 12, 1}, {1, 1, 4}}};                 // linear, quant_act (int32 out)
  RoleKnobs ln_ffn{1, {{1, 1, 16}, {1, 1, 4}, {1, 1, 4}}};    // residual_act, layernorm, quant_act

  // The knobs of a compute role; throws core::Error for source/sink.
  RoleKnobs& operator[](Role role);
  const RoleKnobs& operator[](Role role) const;
  friend bool operator==(const SublayerKnobs&, const SublayerKnobs&) = default;
};

// The compute roles of one encoder layer in data-flow order (q .. ln_ffn).
const std::vector<Role>& layer_roles();

// The stage pipeline of a role's kernels, e.g. ffn1 -> {linear, gelu, quant_act}; out_proj and
// ffn2 end in a quant_act to int32, the LayerNorm roles start with residual_act. This list is
// what cost/ costs and what a software node runs (platform/stage_pipeline.h).
const std::vector<StageType>& stage_types(Role role);

// Throws core::Error naming the role and knob unless the knobs fit the model: stage counts match,
// knobs are positive, partition divides the rows it splits (and, for q/k/v, the heads).
void validate(const SublayerKnobs& knobs, const model::ModelConfig& config);

// The number of kernels build_encoder_graph makes for `config` and (validated) `knobs`, computed
// without building: 2 + layers * (partitions of the linear roles + 2 * heads + 2); -1 if it
// would not fit 64 bits. Lets a reader compare a file's kernel count before building anything.
std::int64_t encoder_kernel_count(const model::ModelConfig& config, const SublayerKnobs& knobs);

// Builds the encoder graph: source -> `config.layers` encoder layers -> sink. Kernel names are
// "l<layer>.<role>[.p<part>]" and "l<layer>.h<head>.attn|ctx"; streams carry exact bytes per token
// row (int8 1 B, int32 4 B per element; probabilities seq_len B per row). Validates the result.
Graph build_encoder_graph(const model::ModelConfig& config, const SublayerKnobs& knobs = {});

// The model shape a graph was built for (name, layers, widths, seq_len): what is needed to
// re-create a synthetic model from a plan alone.
model::ModelConfig model_config(const Graph& graph);

// Reads the knobs back from a graph built by build_encoder_graph (first layer's kernels).
SublayerKnobs knobs_of(const Graph& graph);

}  // namespace atl::graph
