// Calibration of the integer decoder: float weights -> int8 rows with per-row scales, and the
// fixed-point constants of the decoder kernels (docs/decoders.md, "Integer semantics"). Used by IntDecoder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/decoder_arith.h"
#include "kernels/decoder_attention.h"
#include "kernels/decoder_gelu.h"
#include "kernels/rope.h"
#include "kernels/swiglu.h"

namespace atl::model {

// m / 2^e ~ ratio with |m| in [2^15, 2^16] (kernels::kMultiplierBits): frexp(ratio) = mant 2^x,
// m = round(mant 2^16), e = 16 - x. {0, 0} for ratio 0; throws for a non-finite ratio.
kernels::Multiplier multiplier(double ratio);

// A float matrix [rows][cols] (row-major) as int8 (or int16) rows, symmetric per row (per output
// channel): scale[r] = max_c |w[r][c]| / L, q = round(w / scale) (half away from zero; 0 for a
// zero row), L = 127 (int8) or 32767 (int16).
template <class T>
struct QuantRows {
  std::int64_t rows = 0, cols = 0;
  std::vector<T> q;           // [rows][cols]
  std::vector<double> scale;  // [rows]
};
using Int8Rows = QuantRows<std::int8_t>;
using Int16Rows = QuantRows<std::int16_t>;
// Throws core::Error naming `what` when w does not hold rows*cols finite values.
template <class T>
QuantRows<T> quantize_rows(const std::vector<float>& w, std::int64_t rows, std::int64_t cols,
                           const std::string& what);

// Round-to-nearest fixed point of v: round(v * 2^frac_bits) saturated to int32.
std::vector<std::int32_t> to_fixed(const std::vector<float>& v, int frac_bits);

// The fraction bits G <= 30 that put max |v| just below 2^15 (a norm gain at Q G).
int gain_bits(const std::vector<float>& v);

// i-exp constants at scale 2^-in_frac_bits plus the shift that keeps the i-exp below 2^30.
kernels::SigmoidParams sigmoid_params(int in_frac_bits = 12);

// Score exponent E with the score scale S = 2^(E - 2F) / (127^2 sqrt(head_dim)) in
// (2^-12, 2^-11], the i-exp constants at S and their shift.
kernels::AttentionParams attention_params(std::int64_t head_dim, int frac_bits);

// i-GELU (I-BERT) at input scale 2^-10, k = 14, output to Q frac_bits.
kernels::DecoderGeluParams gelu_params(int frac_bits);

// RoPE table [max_seq][head_dim / 2] of round(cos(pos f_i) 2^14) and round(sin(pos f_i) 2^14),
// f_i = theta^(-2i / head_dim), computed in double.
struct RopeTable {
  std::vector<std::int16_t> cos, sin;
};
RopeTable rope_table(std::int64_t max_seq, std::int64_t head_dim, double theta);

}  // namespace atl::model
