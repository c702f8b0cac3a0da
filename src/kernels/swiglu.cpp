#include "kernels/swiglu.h"

#include "kernels/decoder_arith_fast.h"
#include "kernels/vectorize.h"

namespace atl::kernels {

namespace {

// The definition's steps for shift = frac_bits - in_frac_bits >= 1, frac_bits >= 1,
// 1 <= one < 2^30 and e < 2^35 (checked by the caller). sig = floor(2^15 num / (one + e)) in
// double: the numerator (< 2^50) and the denominator (< 2^36) are exact doubles, the quotient is
// at most 2^15, so the double differs from it by less than 2^15 2^-52 = 2^-37, while an inexact
// quotient lies at least 1 / (one + e) > 2^-36 from an integer: truncation gives the floor.
ATL_VECTOR_CLONES void swiglu_int64(const std::int32_t* gate, const std::int32_t* up,
                                    std::int64_t n, int frac_bits, int shift,
                                    const SoftmaxParams& k, int exp_shift, std::int64_t one,
                                    std::int32_t* h) {
  const double one_d = static_cast<double>(one);
  for (std::int64_t c = 0; c < n; ++c) {
    const std::int64_t x = gate[c];
    const std::int64_t xs = rne_shift_right(x, shift);
    const std::int64_t e = i_exp(xs < 0 ? xs : -xs, k) >> exp_shift;
    // (x >= 0 ? one : e) as a mask: GCC 12 turns the conditional into a branch (the conversion
    // of `one << 15` is hoisted out of the loop), which stops the loop from vectorising.
    const std::int64_t chosen = e + ((one - e) & -static_cast<std::int64_t>(x >= 0));
    const double num = static_cast<double>(chosen << 15);
    const auto sig = static_cast<std::int64_t>(num / (one_d + static_cast<double>(e)));
    const std::int64_t s = saturate_int32(rne_shift_right(x * sig, 15));
    h[c] = saturate_int32(rne_shift_right(int32_value(s) * int32_value(up[c]), frac_bits));
  }
}

}  // namespace

void swiglu_row_fast(const std::int32_t* gate, const std::int32_t* up, std::int64_t n,
                     int frac_bits, const SigmoidParams& p, std::int32_t* h) {
  const int shift = frac_bits - p.in_frac_bits;
  const bool fits = shift >= 1 && frac_bits >= 1 && i_exp_fits_int64(p.exp) && p.exp_shift >= 0 &&
                    p.exp_shift < 63;
  const std::int64_t one = fits ? (p.exp.c << p.exp.n) >> p.exp_shift : 0;
  // e <= i-exp bound (i_exp_fits_int64) << n >> exp_shift.
  if (!fits || one < 1 || one >= (std::int64_t{1} << 30) ||
      i_exp_bits(p.exp) + p.exp.n - p.exp_shift > 35) {
    return swiglu_row(gate, up, n, frac_bits, p, h);
  }
  swiglu_int64(gate, up, n, frac_bits, shift, p.exp, p.exp_shift, one, h);
}

}  // namespace atl::kernels
