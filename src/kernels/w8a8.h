// W8A8 linear of the integer decoders: int8 weights with one scale per output channel, int8
// activations with one scale per token (dynamic: from the row's own max |x|, as LLM.int8() and
// SmoothQuant's per-token scheme do) or one per tensor (static, calibrated). Activations between
// kernels are int32 fixed point (value = x / 2^F, F = IntDecoder's frac_bits); only the linear
// inputs are int8.
//
// Token scale: amax = max_c |x[c]|, rounded UP to kActMantissaBits significant bits:
//   k = max(0, bit_width(amax) - 15),  a = ceil(amax / 2^k) <= 2^15,  A = a * 2^k >= amax
//   q[c] = clamp(round_half_even(127 * x[c] / A), -127, 127)        (|q| <= 127 when A >= amax)
// so that x[c] ~ q[c] * A / 127. A static scale is a fixed (a, k) and clamps what lies beyond.
//
// Linear (one token): acc[o] = sum_i W[o][i] * q[i]   exact int32 (kernels/int8_matrix.h: the
//   definition int8_product_ref and the fast Int8Matrix)
//   y[o] = saturate_int32(round_half_even(acc[o] * a * m[o] / 2^(e[o] - k)) + bias[o])
// with (m[o], e[o]) ~ s_o / 127 (s_o = the weight scale of row o, |m| <= 2^16) and bias in the
// output's fixed point. Bound: |acc * a * m| < 2^14 in * 2^15 * 2^16 <= 2^61 for in <= 2^16
// (kMaxLinearInputs), so 64 bits are exact.
#pragma once

#include <cstdint>

#include "kernels/decoder_arith.h"

namespace atl::kernels {

inline constexpr int kActMantissaBits = 15;
inline constexpr std::int64_t kMaxLinearInputs = std::int64_t{1} << 16;

struct ActScale {
  std::int32_t a = 0;  // 0: an all-zero row
  std::int32_t k = 0;
  constexpr std::int64_t amax() const { return static_cast<std::int64_t>(a) << k; }
};

// The scale that covers max |x| = amax (amax < 2^46).
constexpr ActScale act_scale(std::int64_t amax) {
  const int k = bit_width64(amax) > kActMantissaBits ? bit_width64(amax) - kActMantissaBits : 0;
  const std::int64_t a = (amax + (std::int64_t{1} << k) - 1) >> k;
  return {static_cast<std::int32_t>(a), k};
}

// x [n] -> q [n] at scale s (values beyond s.amax() clamp to +-127).
inline void quantize_row(const std::int32_t* x, std::int64_t n, ActScale s, std::int8_t* q) {
  const std::int64_t A = s.amax();
  for (std::int64_t c = 0; c < n; ++c) {
    std::int64_t v = A == 0 ? 0 : div_rne(127 * static_cast<std::int64_t>(x[c]), A);
    v = v > 127 ? 127 : (v < -127 ? -127 : v);
    q[c] = static_cast<std::int8_t>(v);
  }
}

constexpr std::int64_t max_abs(const std::int32_t* x, std::int64_t n) {
  std::int64_t m = 0;
  for (std::int64_t c = 0; c < n; ++c) {
    const std::int64_t v = x[c] < 0 ? -static_cast<std::int64_t>(x[c]) : x[c];
    m = v > m ? v : m;
  }
  return m;
}

// Dynamic per-token quantisation: the row's own scale; returns it.
inline ActScale quantize_row_dynamic(const std::int32_t* x, std::int64_t n, std::int8_t* q) {
  const ActScale s = act_scale(max_abs(x, n));
  quantize_row(x, n, s, q);
  return s;
}

// acc [out] at token scale s -> y [out] (fixed point); mul [out] per output channel; bias [out] or
// nullptr.
inline void w8a8_requantize(const std::int32_t* acc, std::int64_t out, ActScale s,
                            const Multiplier* mul, const std::int32_t* bias, std::int32_t* y) {
  for (std::int64_t o = 0; o < out; ++o) {
    const std::int64_t v =
        rne_shift(static_cast<std::int64_t>(acc[o]) * s.a * mul[o].m, mul[o].e - s.k);
    y[o] = saturate_int32(v + (bias != nullptr ? bias[o] : 0));
  }
}

// A quantised row (int8 or int16) at per-row multiplier mul -> fixed point (the embedding
// lookup): y = round_half_even(q * m / 2^e).
template <class T>
void dequantize_row(const T* q, std::int64_t n, Multiplier mul, std::int32_t* y) {
  for (std::int64_t c = 0; c < n; ++c) y[c] = apply(mul, q[c]);
}

// y[c] = saturate_int32(x[c] + y[c]): the residual add.
inline void add_row(const std::int32_t* x, std::int64_t n, std::int32_t* y) {
  for (std::int64_t c = 0; c < n; ++c)
    y[c] = saturate_int32(static_cast<std::int64_t>(x[c]) + y[c]);
}

// CPU fast paths (w8a8.cpp), vectorised, each tested equal to the definition above:
// quantize_row divides in double (exact: see w8a8.cpp); w8a8_requantize runs the definition when
// a shift mul[o].e - s.k is below 1, so acc and y must not overlap.
void quantize_row_fast(const std::int32_t* x, std::int64_t n, ActScale s, std::int8_t* q);
ActScale quantize_row_dynamic_fast(const std::int32_t* x, std::int64_t n, std::int8_t* q);
void w8a8_requantize_fast(const std::int32_t* acc, std::int64_t out, ActScale s,
                          const Multiplier* mul, const std::int32_t* bias, std::int32_t* y);
void add_row_fast(const std::int32_t* x, std::int64_t n, std::int32_t* y);

}  // namespace atl::kernels
