// Integer rotary position embedding of one head row (q or k), int32 fixed point in place, from a
// fixed-point table: cos[i], sin[i] = round(cos / sin(pos * theta^(-2i / head_dim)) * 2^14) (Q14,
// int16) for the pair i of position pos (built by the integer model's calibration). Pair i is
// (2i, 2i+1) (interleaved, llama2.c) or (i, i + head_dim/2) (halves, Hugging Face Llama):
//   a' = round_half_even((a cos - b sin) / 2^14),  b' = round_half_even((a sin + b cos) / 2^14)
// saturated to int32 (|a cos - b sin| < 2^46).
#pragma once

#include <cstdint>

#include "kernels/decoder_arith.h"

namespace atl::kernels {

inline constexpr int kRopeFracBits = 14;

enum class RopePairs { interleaved, halves };

// v [head_dim] (head_dim even); cos, sin [head_dim / 2] of the position.
inline void rope_row(std::int32_t* v, std::int64_t head_dim, const std::int16_t* cos,
                     const std::int16_t* sin, RopePairs pairs) {
  const std::int64_t half = head_dim / 2;
  for (std::int64_t i = 0; i < half; ++i) {
    const std::int64_t ia = pairs == RopePairs::interleaved ? 2 * i : i;
    const std::int64_t ib = pairs == RopePairs::interleaved ? 2 * i + 1 : i + half;
    const std::int64_t a = v[ia], b = v[ib];
    v[ia] = saturate_int32(rne_shift(a * cos[i] - b * sin[i], kRopeFracBits));
    v[ib] = saturate_int32(rne_shift(a * sin[i] + b * cos[i], kRopeFracBits));
  }
}

}  // namespace atl::kernels
