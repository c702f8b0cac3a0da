// What the generated hardware can honour of a stage's knobs: the wrappers of
// kernels/hls/galapagos_kernels.h split a stage's M or K into equal parts by its knobs (and
// static_assert it), so each knob must divide the width it splits. The mapper chooses only such
// knobs (map/knob_search.cpp) and `atoll build` refuses a plan with others before writing
// anything (codegen/hls_checks.h): a plan `atoll map` writes can always be built.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace atl::graph {

// `value` must divide the stage's K (of_k) or M. linear: NUM_PE divides M and K, and its
// dot-product unroll NUM_TILE * 64 (or NUM_TILE when that does not divide K) divides K;
// quant_act, gelu, layernorm, residual_act: unroll divides M (channels); attention_matmul,
// softmax_matmul: pe divides K (the head width); the softmax and concat run one lane. Decoder
// stages have no wrapper yet (issue 13) and so no requirement here.
struct KnobRequirement {
  std::string knob;  // "pe", "unroll", "tile"
  std::int64_t value = 1;
  bool of_k = false;  // divides K, else M
};
std::vector<KnobRequirement> knob_requirements(const Stage& stage);

// True when every requirement of `stage` holds.
bool knobs_honoured(const Stage& stage);

}  // namespace atl::graph
