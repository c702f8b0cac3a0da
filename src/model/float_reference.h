// The float32 reference of an integer encoder: the same weights dequantised (W_int * w_scale),
// run with exact softmax, erf-GELU and LayerNorm and no requantisation between steps. The
// difference to the integer output is the total error of integer-only inference.
#pragma once

#include <cstdint>

#include "core/tensor.h"
#include "model/weights.h"

namespace atl::model {

// x_int: the int8 input (real value x_int * scales[0].input). Returns real hidden states.
// Throws if the weights carry no scales (integer-only dumps such as the golden data).
core::Tensor<float> float_forward(const EncoderWeights& w, const core::Tensor<std::int8_t>& x_int);

struct ErrorStats {
  double max_abs = 0;       // max |int * scale - float|
  double mean_abs = 0;
  double rel_l2 = 0;        // ||int - float|| / ||float||
  double max_lsb = 0;       // max_abs in units of the output scale
  double out_scale = 0;
};

// Compares the integer output (int8 with real scale `out_scale`) with the float reference.
ErrorStats compare(const core::Tensor<std::int8_t>& y_int, double out_scale,
                   const core::Tensor<float>& y_float);

}  // namespace atl::model
