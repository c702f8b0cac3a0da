#include "kernels/w8a8.h"

#include <cstring>

#include "kernels/decoder_arith_fast.h"
#include "kernels/vectorize.h"

namespace atl::kernels {

namespace {

ATL_VECTOR_CLONES std::int64_t max_abs_fast(const std::int32_t* x, std::int64_t n) {
  return max_abs(x, n);
}

// q = clamp(round_half_even(127 x / A)) with the quotient in double. Exact: 127 x (|x| < 2^31)
// and A (< 2^47) are exact doubles and the division is correctly rounded. An inexact quotient
// Q = 127 x / A lies at least 1 / (2A) from every half-integer, while its double differs from it
// by at most |Q| 2^-52 <= 2^38 2^-52 / A < 1 / (2A); so the double lies strictly between the same
// half-integers as Q (or is Q, when Q is a half-integer or an integer), and rounding it half to
// even gives div_rne(127 x, A). Clamping before or after the rounding gives the same +-127.
ATL_VECTOR_CLONES void quantize_double(const std::int32_t* x, std::int64_t n, double A,
                                       std::int8_t* q) {
  for (std::int64_t c = 0; c < n; ++c) {
    double v = static_cast<double>(x[c]) * 127.0 / A;
    v = v > 127.0 ? 127.0 : (v < -127.0 ? -127.0 : v);
    q[c] = static_cast<std::int8_t>(static_cast<std::int32_t>(round_even(v)));
  }
}

// The definition's steps with a shift of at least 1 (the caller checks): returns whether every
// shift mul[o].e - k was.
ATL_VECTOR_CLONES bool requantize_right(const std::int32_t* acc, std::int64_t out, std::int64_t a,
                                        int k, const Multiplier* mul, const std::int32_t* bias,
                                        std::int32_t* y) {
  int low = 0;
  for (std::int64_t o = 0; o < out; ++o) {
    const int e = mul[o].e - k;
    low |= e < 1;
    const std::int64_t v =
        rne_shift_right(int32_value(acc[o]) * int32_value(mul[o].m) * a, e < 1 ? 1 : e);
    y[o] = saturate_int32(v + (bias != nullptr ? bias[o] : 0));
  }
  return low == 0;
}

ATL_VECTOR_CLONES void add_clones(const std::int32_t* x, std::int64_t n, std::int32_t* y) {
  add_row(x, n, y);
}

}  // namespace

void quantize_row_fast(const std::int32_t* x, std::int64_t n, ActScale s, std::int8_t* q) {
  if (s.amax() == 0) {
    std::memset(q, 0, static_cast<std::size_t>(n));
    return;
  }
  quantize_double(x, n, static_cast<double>(s.amax()), q);
}

ActScale quantize_row_dynamic_fast(const std::int32_t* x, std::int64_t n, std::int8_t* q) {
  const ActScale s = act_scale(max_abs_fast(x, n));
  quantize_row_fast(x, n, s, q);
  return s;
}

void w8a8_requantize_fast(const std::int32_t* acc, std::int64_t out, ActScale s,
                          const Multiplier* mul, const std::int32_t* bias, std::int32_t* y) {
  if (!requantize_right(acc, out, s.a, s.k, mul, bias, y)) {
    w8a8_requantize(acc, out, s, mul, bias, y);
  }
}

void add_row_fast(const std::int32_t* x, std::int64_t n, std::int32_t* y) {
  add_clones(x, n, y);
}

}  // namespace atl::kernels
