// A synthetic I-BERT: weights drawn from a seed and quantisation constants calibrated on a
// seeded input, so that a model of any shape can be run, mapped and checked without a
// checkpoint (none can be downloaded here).
//
// How (docs/model.md has the details): real weights W ~ N(0, 1/K) per linear and LayerNorm
// gamma ~ U(0.6, 1.4), beta ~ N(0, 0.05) are drawn from the seed; weights are quantised per
// output channel to int8. The integer model is then run layer by layer on a calibration input
// (random_input(seed + 1)); at every QuantAct the largest real value seen, times a 1.25 margin,
// sets the output scale, so no activation saturates on inputs of that distribution while the
// int8 range stays well used. Softmax and GELU constants follow from the scales exactly as in
// I-BERT; LayerNorm shifts are the smallest that keep the variance sum below 2^31.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "model/config.h"
#include "model/weights.h"

namespace atl::model {

// Real scale of the int8 encoder input used by synthetic models and random inputs.
inline constexpr double kInputScale = 1.0 / 16;

EncoderWeights synthetic_weights(const ModelConfig& config, std::uint64_t seed);

// Hidden states ~ N(0, 1) quantised with kInputScale: int8 [tokens, hidden].
core::Tensor<std::int8_t> random_input(std::int64_t tokens, std::int64_t hidden,
                                       std::uint64_t seed);

}  // namespace atl::model
