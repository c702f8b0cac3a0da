// Causal attention of one query head over an int8 KV cache (grouped-query attention: the caller
// passes the K/V head its query head shares). K and V rows are int8 with one ActScale per
// (position, K/V head) (kernels/w8a8.h: x ~ q * A / 127), the query is int8 at its own ActScale.
//   dot[j]   = sum_d q[d] * k_j[d]                                  |dot| < 2^14 head_dim
//   s[j]     = sat32(round_half_even(dot[j] a_q a_j / 2^(E - k_q - k_j)))  the score at scale
//              S = 2^(E - 2F) / (127^2 sqrt(head_dim)) (E is chosen by the model's calibration)
//   e[j]     = softmax_exp(s[j] - max_j s, exp) >> exp_shift           I-BERT i-exp, < 2^30
//   p[j]     = floor(2^15 e[j] / sum_j e[j])                           Q15, sum_j p[j] <= 2^15
//   out[d]   = saturate_int32(round_half_even(sum_j p[j] A_j v_j[d] / (127 * 2^15)))
// over the positions j = 0..positions-1 (the cache holds only the past and the present: causal).
// Bounds: dot a_q a_j < 2^44 head_dim < 2^62; sum_j p[j] A_j |v_j[d]| <= 2^15 2^31 127 < 2^53.
#pragma once

#include <cstdint>

#include "kernels/decoder_arith.h"
#include "kernels/softmax.h"
#include "kernels/w8a8.h"

namespace atl::kernels {

struct AttentionParams {
  int score_exponent = 0;  // E
  SoftmaxParams exp;       // i-exp constants at the score scale S
  int exp_shift = 0;       // ((exp.c << exp.n) >> exp_shift) < 2^30
};

// One K/V head's cache: row j at k + j * stride (head_dim int8 values), its scale at
// k_scale[j * scale_stride]; likewise v.
struct KvView {
  const std::int8_t* k = nullptr;
  const std::int8_t* v = nullptr;
  const ActScale* k_scale = nullptr;
  const ActScale* v_scale = nullptr;
  std::int64_t stride = 0;
  std::int64_t scale_stride = 0;
};

// q [head_dim] at scale sq -> out [head_dim]; scratch holds positions + head_dim int64.
inline void attention_head(const std::int8_t* q, ActScale sq, const KvView& kv,
                           std::int64_t positions, std::int64_t head_dim, const AttentionParams& p,
                           std::int64_t* scratch, std::int32_t* out) {
  std::int64_t max = 0;
  for (std::int64_t j = 0; j < positions; ++j) {
    const std::int8_t* kj = kv.k + j * kv.stride;
    std::int64_t dot = 0;
    for (std::int64_t d = 0; d < head_dim; ++d) dot += static_cast<std::int32_t>(q[d]) * kj[d];
    const ActScale sk = kv.k_scale[j * kv.scale_stride];
    const std::int64_t s =
        saturate_int32(rne_shift(dot * sq.a * sk.a, p.score_exponent - sq.k - sk.k));
    scratch[j] = s;
    max = j == 0 || s > max ? s : max;
  }
  std::int64_t sum = 0;
  for (std::int64_t j = 0; j < positions; ++j) {
    scratch[j] = softmax_exp(scratch[j] - max, p.exp) >> p.exp_shift;
    sum += scratch[j];
  }
  // Exact integer sums: any order gives the same value (every partial sum is below 2^53).
  std::int64_t* acc = scratch + positions;
  for (std::int64_t d = 0; d < head_dim; ++d) acc[d] = 0;
  for (std::int64_t j = 0; j < positions; ++j) {
    const std::int64_t w = ((scratch[j] << 15) / sum) * kv.v_scale[j * kv.scale_stride].amax();
    const std::int8_t* vj = kv.v + j * kv.stride;
    for (std::int64_t d = 0; d < head_dim; ++d) acc[d] += w * vj[d];
  }
  for (std::int64_t d = 0; d < head_dim; ++d) {
    out[d] = saturate_int32(div_rne(acc[d], std::int64_t{127} << 15));
  }
}

// The CPU fast path (decoder_attention.cpp): the same values with vectorised dot products, i-exp
// and weighted sums, the i-exp and the probabilities' division in double where that is provably
// exact (else the definition); tested equal to attention_head.
void attention_head_fast(const std::int8_t* q, ActScale sq, const KvView& kv,
                         std::int64_t positions, std::int64_t head_dim, const AttentionParams& p,
                         std::int64_t* scratch, std::int32_t* out);

}  // namespace atl::kernels
