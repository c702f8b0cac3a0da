#include "kernels/rmsnorm.h"

#include "kernels/decoder_arith_fast.h"
#include "kernels/vectorize.h"

namespace atl::kernels {

namespace {

// t = rne_shift(d, sh) without branches: a rounding right shift for sh >= 1, an exact left shift
// for sh <= 0 (then |d| < 2^16, so nothing saturates).
[[gnu::always_inline]] inline std::int64_t scale_to_16_bits(std::int64_t d, int sh) {
  const std::int64_t right = rne_shift_right(d, sh < 1 ? 1 : sh);
  const std::int64_t left = d << (sh < 0 ? -sh : 0);
  return sh >= 1 ? right : left;
}

ATL_VECTOR_CLONES std::int64_t row_sum(const std::int32_t* x, std::int64_t n) {
  std::int64_t sum = 0;
  for (std::int64_t c = 0; c < n; ++c) sum += x[c];
  return sum;
}

ATL_VECTOR_CLONES std::int64_t max_deviation(const std::int32_t* x, std::int64_t n,
                                             std::int64_t center) {
  std::int64_t dmax = 0;
  for (std::int64_t c = 0; c < n; ++c) {
    const std::int64_t d = x[c] - center;
    const std::int64_t a = d < 0 ? -d : d;
    dmax = a > dmax ? a : dmax;
  }
  return dmax;
}

ATL_VECTOR_CLONES std::int64_t sum_squares(const std::int32_t* x, std::int64_t n,
                                           std::int64_t center, int sh) {
  std::int64_t ss = 0;
  for (std::int64_t c = 0; c < n; ++c) {
    const std::int64_t t = scale_to_16_bits(x[c] - center, sh);
    ss += int32_value(t) * int32_value(t);  // |t| <= 2^16
  }
  return ss;
}

ATL_VECTOR_CLONES void normalise(const std::int32_t* x, std::int64_t n, std::int64_t center, int sh,
                                 std::int64_t inv, int z_shift, const std::int32_t* gain,
                                 int gain_bits, const std::int32_t* bias, std::int32_t* y) {
  for (std::int64_t c = 0; c < n; ++c) {
    const std::int64_t t = scale_to_16_bits(x[c] - center, sh);
    const std::int64_t z = rne_shift_right(t * inv, z_shift);
    const std::int64_t v = rne_shift_right(z * gain[c], gain_bits);
    y[c] = saturate_int32(v + (bias != nullptr ? bias[c] : 0));
  }
}

}  // namespace

void norm_row_fast(const std::int32_t* x, std::int64_t n, const NormParams& p, std::int32_t* y) {
  if (n <= 0 || 46 - p.frac_bits < 1 || p.gain_bits < 1) return norm_row(x, n, p, y);
  const std::int64_t center = p.center ? layernorm_mean(row_sum(x, n), n) : 0;
  const std::int64_t dmax = max_deviation(x, n, center);
  if (dmax == 0) return norm_row(x, n, p, y);
  const int sh = bit_width64(dmax) - 16;
  const std::int64_t ss = sum_squares(x, n, center, sh);
  const std::int64_t inv = norm_inverse(ss, n, sh, p.eps_q);
  normalise(x, n, center, sh, inv, 46 - p.frac_bits, p.gain, p.gain_bits, p.bias, y);
}

}  // namespace atl::kernels
