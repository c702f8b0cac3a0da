// The residual QuantActs, HLS-safe definitions (docs/kernels.md):
//   residual_act:  out = sat32(RNE(x*m, e) + RNE(id*m1, e1))       (kernels/residual_act.h)
//   identity_add:  out = sat32(x + RNE(id*m1, e1))                   (kernels/identity_add.h)
// Each requantised branch saturates to its own out_bits first.
#pragma once

#include <cstdint>

#include "core/dyadic.h"
#include "kernels/hls/quant_act.h"
#include "kernels/hls/stream.h"

namespace atl {
namespace kernels {
namespace hls {

// Both branches and their sum for channel c.
struct ResidualValue {
  std::int64_t main, identity;
  std::int32_t sum;
};

constexpr ResidualValue residual_value(std::int64_t x, std::int64_t id, const QuantActConsts& main,
                                       const QuantActConsts& identity, int c) {
  const std::int64_t a = quant_act_value(x, main, c);
  const std::int64_t b = quant_act_value(id, identity, c);
  return {a, b, core::saturate_int32(core::add_saturating(a, b))};
}

// x (int32) and the residual id (int8), rows x n each, to out (int32).
template <int PE, class In, class Id, class Out>
void residual_act(In& in, Id& id, Out& out, int rows, int n, const QuantActConsts& main,
                  const QuantActConsts& identity) {
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < n; c += PE) {
      ATL_HLS(HLS PIPELINE II = 1)
      const auto x = in.read();
      const auto i = id.read();
      typename Out::value_type y;
      for (int p = 0; p < PE; ++p)
        y.v[p] = residual_value(x.v[p], i.v[p], main, identity, c + p).sum;
      out.write(y);
    }
  }
}

// x + requantised id, saturated to int32.
constexpr std::int32_t identity_add_value(std::int64_t x, std::int64_t id,
                                          const QuantActConsts& identity, int c) {
  return core::saturate_int32(core::add_saturating(x, quant_act_value(id, identity, c)));
}

template <int PE, class In, class Id, class Out>
void identity_add(In& in, Id& id, Out& out, int rows, int n, const QuantActConsts& identity) {
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < n; c += PE) {
      ATL_HLS(HLS PIPELINE II = 1)
      const auto x = in.read();
      const auto i = id.read();
      typename Out::value_type y;
      for (int p = 0; p < PE; ++p) y.v[p] = identity_add_value(x.v[p], i.v[p], identity, c + p);
      out.write(y);
    }
  }
}

}  // namespace hls
}  // namespace kernels
}  // namespace atl
