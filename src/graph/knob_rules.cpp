#include "graph/knob_rules.h"

namespace atl::graph {

std::vector<KnobRequirement> knob_requirements(const Stage& s) {
  switch (s.type) {
    case StageType::linear: {
      const std::int64_t tile64 = std::int64_t{s.knobs.tile} * 64;
      std::vector<KnobRequirement> r{{"pe", s.knobs.pe, false}, {"pe", s.knobs.pe, true}};
      if (s.k % tile64 != 0) r.push_back({"tile", s.knobs.tile, true});
      return r;
    }
    case StageType::quant_act:
    case StageType::residual_act:
    case StageType::gelu:
    case StageType::layernorm:
      return {{"unroll", s.knobs.unroll, false}};
    case StageType::attention_matmul:
    case StageType::softmax_matmul:
      return {{"pe", s.knobs.pe, true}};
    case StageType::softmax:
    case StageType::concat:
    case StageType::embedding:
    case StageType::rmsnorm:
    case StageType::decoder_layernorm:
    case StageType::w8a8_linear:
    case StageType::rope:
    case StageType::decoder_attention:
    case StageType::swiglu:
    case StageType::decoder_gelu:
    case StageType::residual_add:
    case StageType::w8a8_partial:
    case StageType::w8a8_reduce:
    case StageType::top1:
    case StageType::argmax:
      break;
  }
  return {};
}

bool knobs_honoured(const Stage& s) {
  for (const KnobRequirement& r : knob_requirements(s)) {
    const std::int64_t width = r.of_k ? s.k : s.m;
    if (r.value < 1 || width % r.value != 0) return false;
  }
  return true;
}

}  // namespace atl::graph
