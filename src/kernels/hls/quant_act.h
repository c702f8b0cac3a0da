// QuantAct, the HLS-safe definition (docs/kernels.md): per-channel dyadic requantisation
//     y[c] = saturate_{out_bits}( round_half_even( x[c] * m[c] / 2^e[c] ) )
#pragma once

#include <cstdint>

#include "core/dyadic.h"
#include "kernels/hls/stream.h"

namespace atl {
namespace kernels {
namespace hls {

// A QuantAct's constants: m/e arrays of `count` values (1 or n) the caller owns; the result
// saturates to out_bits signed bits (2..64).
struct QuantActConsts {
  const std::int64_t* m;
  const int* e;
  int count;
  int out_bits;
};

// One value of channel c.
constexpr std::int64_t quant_act_value(std::int64_t x, const QuantActConsts& q, int c) {
  const int i = q.count == 1 ? 0 : c;
  return core::requantize(x, q.m[i], q.e[i], q.out_bits);
}

// rows x n values from `in` to `out` (PE divides n; out's values hold out_bits signed bits).
template <int PE, class In, class Out>
void quant_act(In& in, Out& out, int rows, int n, const QuantActConsts& q) {
  using T = typename Out::value_type::value_type;
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < n; c += PE) {
      ATL_HLS(HLS PIPELINE II = 1)
      const auto x = in.read();
      typename Out::value_type y;
      for (int p = 0; p < PE; ++p) {
        y.v[p] = static_cast<T>(quant_act_value(x.v[p], q, c + p));
      }
      out.write(y);
    }
  }
}

}  // namespace hls
}  // namespace kernels
}  // namespace atl
