#include "kernels/decoder_attention.h"

#include "kernels/decoder_arith_fast.h"
#include "kernels/vectorize.h"

namespace atl::kernels {

namespace {

// dot[j] = sum_d q[d] k_j[d] (|dot| < 2^14 head_dim, exact in int32 for head_dim < 2^17).
ATL_VECTOR_CLONES void dots(const std::int8_t* q, const std::int8_t* k, std::int64_t stride,
                            std::int64_t positions, std::int64_t head_dim, std::int64_t* dot) {
  for (std::int64_t j = 0; j < positions; ++j) {
    const std::int8_t* kj = k + j * stride;
    std::int32_t s = 0;
    for (std::int64_t d = 0; d < head_dim; ++d) s += static_cast<std::int32_t>(q[d]) * kj[d];
    dot[j] = s;
  }
}

// e[j] = i-exp(s[j] - max) >> exp_shift in place; returns their sum.
ATL_VECTOR_CLONES std::int64_t exps(std::int64_t* s, std::int64_t positions, std::int64_t max,
                                    const SoftmaxParams& k, int exp_shift) {
  std::int64_t sum = 0;
  for (std::int64_t j = 0; j < positions; ++j) {
    s[j] = i_exp(s[j] - max, k) >> exp_shift;
    sum += s[j];
  }
  return sum;
}

// w[j] = floor(2^15 e[j] / sum) * A_j in place, the quotient in double: for 0 < sum < 2^37 the
// numerator (<= 2^15 sum < 2^52) and sum are exact doubles, the quotient is at most 2^15, so its
// double lies within 2^15 2^-52 = 2^-37 of it, and an inexact quotient lies at least 1 / sum >
// 2^-37 from an integer: truncation gives the floor.
ATL_VECTOR_CLONES void weights(std::int64_t* e, std::int64_t positions, std::int64_t sum,
                               const ActScale* v_scale, std::int64_t scale_stride) {
  const double sum_d = static_cast<double>(sum);
  for (std::int64_t j = 0; j < positions; ++j) {
    const auto p = static_cast<std::int64_t>(static_cast<double>(e[j] << 15) / sum_d);
    e[j] = p * v_scale[j * scale_stride].amax();
  }
}

// acc[d] = sum_j w[j] v_j[d] (exact: every partial sum is below 2^53, the definition's bound).
ATL_VECTOR_CLONES void weighted_sum(const std::int64_t* w, const std::int8_t* v,
                                    std::int64_t stride, std::int64_t positions,
                                    std::int64_t head_dim, std::int64_t* acc) {
  for (std::int64_t d = 0; d < head_dim; ++d) acc[d] = 0;
  for (std::int64_t j = 0; j < positions; ++j) {
    const std::int8_t* vj = v + j * stride;
    for (std::int64_t d = 0; d < head_dim; ++d) acc[d] += w[j] * vj[d];
  }
}

// out[d] = saturate_int32(div_rne(acc[d], 127 * 2^15)); |acc| < 2^53 (the definition's bound).
ATL_VECTOR_CLONES void context_rows(const std::int64_t* acc, std::int64_t head_dim,
                                    std::int32_t* out) {
  for (std::int64_t d = 0; d < head_dim; ++d) {
    out[d] = saturate_int32(div_rne_by_double(acc[d], std::int64_t{127} << 15));
  }
}

}  // namespace

void attention_head_fast(const std::int8_t* q, ActScale sq, const KvView& kv,
                         std::int64_t positions, std::int64_t head_dim, const AttentionParams& p,
                         std::int64_t* scratch, std::int32_t* out) {
  if (positions <= 0 || !i_exp_fits_int64(p.exp) || p.exp_shift < 0 || p.exp_shift > 62) {
    return attention_head(q, sq, kv, positions, head_dim, p, scratch, out);
  }
  dots(q, kv.k, kv.stride, positions, head_dim, scratch);
  std::int64_t max = 0;
  for (std::int64_t j = 0; j < positions; ++j) {
    const ActScale sk = kv.k_scale[j * kv.scale_stride];
    const std::int64_t s =
        saturate_int32(rne_shift(scratch[j] * sq.a * sk.a, p.score_exponent - sq.k - sk.k));
    scratch[j] = s;
    max = j == 0 || s > max ? s : max;
  }
  const std::int64_t sum = exps(scratch, positions, max, p.exp, p.exp_shift);
  if (sum <= 0 || sum >= (std::int64_t{1} << 37)) {
    return attention_head(q, sq, kv, positions, head_dim, p, scratch, out);
  }
  weights(scratch, positions, sum, kv.v_scale, kv.scale_stride);
  std::int64_t* acc = scratch + positions;
  weighted_sum(scratch, kv.v, kv.stride, positions, head_dim, acc);
  context_rows(acc, head_dim, out);
}

}  // namespace atl::kernels
