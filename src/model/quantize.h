// Turning real-valued scales into the integer constants of the I-BERT kernels, the way I-BERT
// derives them (ibert-reference.md §2.4, §6, §7, §8). Used to build synthetic models; a real
// checkpoint arrives with these constants already computed.
#pragma once

#include <cstdint>

#include "kernels/gelu.h"
#include "kernels/softmax.h"

namespace atl::model {

// A dyadic multiplier: ratio ~= m / 2^e with |m| in [2^30, 2^31).
struct Dyadic {
  std::int64_t m = 0;
  int e = 0;
};

// frexp(ratio) = mant * 2^exp; m = round-half-away(mant * 2^31), e = 31 - exp (I-BERT
// batch_frexp). |m| = 2^31 is renormalised to (2^30, e - 1), which is the same value.
Dyadic dyadic(double ratio);

// The integer softmax constants for attention scores of real scale `score_scale`, including the
// internal 16-bit QuantAct calibrated on the largest possible i-exp value (c << n), as in the
// golden data. Throws when the scale is so small that c << 30 overflows int64.
kernels::SoftmaxParams softmax_params(double score_scale);

// i-GELU tables for one channel whose int32 input has real scale `s`; the output scale
// (negative) is returned in `out_scale`.
struct GeluChannel {
  std::int64_t b = 0, c = 0, shift = 0;
  double out_scale = 0;
};
GeluChannel gelu_channel(double s, int k = 14);

// LayerNorm output scale sqrt(n) / 2^30 (real value of one output unit before gamma).
double layernorm_unit(std::int64_t channels);

}  // namespace atl::model
