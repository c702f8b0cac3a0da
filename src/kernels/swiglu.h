// Integer SiLU and SwiGLU (Llama's FFN: silu(gate) * up), int32 fixed point (value = x / 2^F),
// with the sigmoid from I-BERT's i-exp (kernels/softmax.h, softmax_exp):
//   x'   = round_half_even(x / 2^(F - Fs))                the input at the i-exp's scale 2^-Fs
//   E    = softmax_exp(-|x'|, exp) >> exp_shift          ~ e^-|x| * ONE
//   ONE  = (exp.c << exp.n) >> exp_shift                  the i-exp of 0
//   sig  = floor(2^15 ONE / (ONE + E))  for x >= 0,   floor(2^15 E / (ONE + E))  for x < 0
//   silu = round_half_even(x * sig / 2^15)
//   h    = saturate_int32(round_half_even(silu * up / 2^F))
// sig is the logistic function in Q15 (0..2^15). Bounds: ONE < 2^30 (exp_shift is chosen so),
// so 2^15 ONE < 2^45; x * sig < 2^46; silu * up < 2^62 for int32 operands.
#pragma once

#include <cstdint>

#include "kernels/decoder_arith.h"
#include "kernels/softmax.h"

namespace atl::kernels {

struct SigmoidParams {
  SoftmaxParams exp;  // i-exp constants at scale 2^-in_frac_bits
  int in_frac_bits = 12;
  int exp_shift = 0;  // ((exp.c << exp.n) >> exp_shift) < 2^30
};

// The logistic function of the fixed-point x (frac_bits F) in Q15.
inline std::int64_t sigmoid_q15(std::int64_t x, int frac_bits, const SigmoidParams& p) {
  const std::int64_t xs = rne_shift(x, frac_bits - p.in_frac_bits);
  const std::int64_t one = (p.exp.c << p.exp.n) >> p.exp_shift;
  const std::int64_t e = softmax_exp(xs < 0 ? xs : -xs, p.exp) >> p.exp_shift;
  return ((x >= 0 ? one : e) << 15) / (one + e);
}

inline std::int64_t silu(std::int64_t x, int frac_bits, const SigmoidParams& p) {
  return rne_shift(x * sigmoid_q15(x, frac_bits, p), 15);
}

// h [n] = silu(gate) * up.
inline void swiglu_row(const std::int32_t* gate, const std::int32_t* up, std::int64_t n,
                       int frac_bits, const SigmoidParams& p, std::int32_t* h) {
  for (std::int64_t c = 0; c < n; ++c) {
    const std::int64_t s = saturate_int32(silu(gate[c], frac_bits, p));
    h[c] = saturate_int32(rne_shift(s * up[c], frac_bits));
  }
}

// The CPU fast path (swiglu.cpp): the same values vectorised, with the i-exp and the sigmoid's
// division in double where that is provably exact (else the definition); tested equal to
// swiglu_row.
void swiglu_row_fast(const std::int32_t* gate, const std::int32_t* up, std::int64_t n,
                     int frac_bits, const SigmoidParams& p, std::int32_t* h);

}  // namespace atl::kernels
