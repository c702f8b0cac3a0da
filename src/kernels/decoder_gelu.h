// Integer GELU of the GPT-2 FFN, int32 fixed point in and out (value = x / 2^F), through I-BERT's
// i-GELU (kernels/gelu.h, gelu_value) at the input scale 2^-in_frac_bits:
//   x' = round_half_even(x / 2^(F - in_frac_bits))
//   g  = gelu_value(x', gelu, 0)                    value g * out_scale (model::gelu_channel)
//   y  = round_half_even(g * out.m / 2^out.e)       out ~ out_scale * 2^F
#pragma once

#include <cstdint>

#include "kernels/decoder_arith.h"
#include "kernels/gelu.h"

namespace atl::kernels {

struct DecoderGeluParams {
  GeluParams gelu;  // one value per table (b, c, shift)
  int in_frac_bits = 10;
  Multiplier out;
};

inline void decoder_gelu_row(std::int32_t* x, std::int64_t n, int frac_bits,
                             const DecoderGeluParams& p) {
  for (std::int64_t c = 0; c < n; ++c) {
    const std::int64_t xs = saturate_int32(rne_shift(x[c], frac_bits - p.in_frac_bits));
    x[c] = apply(p.out, gelu_value(xs, p.gelu, 0));
  }
}

}  // namespace atl::kernels
