// QuantAct ("act"): per-channel dyadic requantisation.
//     y[c] = saturate_{out_bits}( round_half_even( x[c] * m[c] / 2^e[c] ) )
// with the exact product and rounding (ties to even, as I-BERT's torch.round) of core/dyadic.h. m
// and e hold either one value per channel or a single value for all channels (per-tensor, e.g.
// self_attention/act_out). m may be negative (after GELU the scale is negative). out_bits = 8 for
// the int8 activations between kernels, 32 for the int32 outputs of self_output/act_linear and
// output/act_linear.
//
// The definition is kernels/hls/quant_act.h (HLS-safe, exact for any int64 x and m); the plain
// path (quant_act_row_ref) runs it. Speed: the definition forms a 128-bit product (two 64-bit
// limbs), but for int32 inputs with every |m| < 2^31 and
// every e in 1..62 (all I-BERT QuantActs) |x*m| < 2^62 fits int64, and the same rounding is a
// vectorisable 64-bit computation (core::shift_round_half_even_i64). quant_act_row / quant_act
// take that path whenever it is provably exact (fits_int64) and the definition
// (quant_act_row_ref) otherwise; tests compare the two on random and edge values.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "kernels/hls/quant_act.h"

namespace atl::kernels {

struct QuantActParams {
  std::vector<std::int64_t> m;  // multiplier per channel (or one value)
  std::vector<int> e;           // shift per channel (or one value), same length as m
  int out_bits = 8;             // saturate to this many signed bits (2..32)
};

// Throws core::Error (naming `what`) unless m/e are consistent and usable for `channels`.
void validate(const QuantActParams& p, std::int64_t channels, const std::string& what);

// The constants of p for the HLS-safe definitions (p must outlive the result).
inline hls::QuantActConsts consts(const QuantActParams& p) {
  return {p.m.data(), p.e.data(), static_cast<int>(p.m.size()), p.out_bits};
}

// One value of channel c.
inline std::int64_t quant_act_value(std::int64_t x, const QuantActParams& p, std::size_t c) {
  return hls::quant_act_value(x, consts(p), static_cast<int>(c));
}

// True when int32 inputs can be requantised in 64 bits exactly: every |m| < 2^31 and every e in
// 1..62 (then |x*m| < 2^62 and the rounding is core::shift_round_half_even_i64).
bool fits_int64(const QuantActParams& p);

// The 64-bit path for int32 rows (quant_act.cpp, vectorised). Requires fits_int64(p), m/e of
// 1 or n values and out_bits <= the output width; does not check them.
void quant_act_row_i64(const std::int32_t* x, std::size_t n, const QuantActParams& p,
                       std::int8_t* y);
void quant_act_row_i64(const std::int32_t* x, std::size_t n, const QuantActParams& p,
                       std::int32_t* y);
// rows x n, rows split over the OpenMP threads.
void quant_act_rows_i64(const std::int32_t* x, std::int64_t rows, std::size_t n,
                        const QuantActParams& p, std::int8_t* y);
void quant_act_rows_i64(const std::int32_t* x, std::int64_t rows, std::size_t n,
                        const QuantActParams& p, std::int32_t* y);

template <class In, class Out>
constexpr bool kHasInt64Path = std::is_same_v<In, std::int32_t> &&
                               (std::is_same_v<Out, std::int8_t> ||
                                std::is_same_v<Out, std::int32_t>);

// Throws unless a row of x.size() channels can be requantised into y with p.
template <class In, class Out>
void check_row(std::span<const In> x, const QuantActParams& p, std::span<Out> y) {
  static_assert(std::is_integral_v<In> && std::is_integral_v<Out>);
  if (x.size() != y.size()) {
    throw core::Error("quant_act_row: input has " + std::to_string(x.size()) +
                      " channels, output " + std::to_string(y.size()));
  }
  if (p.e.size() != p.m.size() || (p.m.size() != 1 && p.m.size() != x.size())) {
    throw core::Error("quant_act_row: m/e have " + std::to_string(p.m.size()) +
                      " values, expected 1 or " + std::to_string(x.size()));
  }
  if (p.out_bits > static_cast<int>(8 * sizeof(Out))) {
    throw core::Error("quant_act_row: out_bits " + std::to_string(p.out_bits) +
                      " does not fit the output type");
  }
}

// One row by the definition (hls::quant_act): the reference the fast path is tested against.
template <class In, class Out>
void quant_act_row_ref(std::span<const In> x, const QuantActParams& p, std::span<Out> y) {
  check_row(x, p, y);
  hls::ConstArrayStream<In, 1> in{x.data()};
  hls::ArrayStream<Out, 1> out{y.data()};
  hls::quant_act<1>(in, out, 1, static_cast<int>(x.size()), consts(p));
}

// One row (x and y have the same length = channels). Out must hold out_bits signed bits.
template <class In, class Out>
void quant_act_row(std::span<const In> x, const QuantActParams& p, std::span<Out> y) {
  if constexpr (kHasInt64Path<In, Out>) {
    check_row(x, p, y);
    if (fits_int64(p)) return quant_act_row_i64(x.data(), x.size(), p, y.data());
  }
  quant_act_row_ref(x, p, y);
}

// Whole tensor [rows, channels].
template <class Out, class In>
core::Tensor<Out> quant_act(const core::Tensor<In>& x, const QuantActParams& p) {
  if (x.rank() != 2) {
    throw core::Error("quant_act: input must be [rows, channels], got shape " +
                      core::to_string(x.shape()));
  }
  validate(p, x.dim(1), "quant_act");
  core::Tensor<Out> y(x.shape());
  if constexpr (kHasInt64Path<In, Out>) {
    if (fits_int64(p) && p.out_bits <= static_cast<int>(8 * sizeof(Out))) {
      quant_act_rows_i64(x.data(), x.rows(), static_cast<std::size_t>(x.dim(1)), p, y.data());
      return y;
    }
  }
  for (std::int64_t r = 0; r < x.rows(); ++r) {
    quant_act_row<In, Out>(x.row(r), p, y.row(r));
  }
  return y;
}

}  // namespace atl::kernels
