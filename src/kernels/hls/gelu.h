// Integer GELU (I-BERT i-GELU), the HLS-safe definition (docs/kernels.md; kernels/gelu.h has the
// formulas). With -2^31 <= b <= 0, t = min(|x|, -b) + b lies in [b, 0] and t^2 <= 2^62; the
// polynomial t^2 + c and what follows are exact in a core::Wide for any int64 c and shift. The
// int32 result x * z saturates, so z may be clamped to +-(2^32 - 1) first: whenever
// |z| >= 2^32 - 1 and x != 0, |x*z| > 2^31 and the saturated result depends only on the signs.
#pragma once

#include <cstdint>

#include "core/dyadic.h"
#include "kernels/hls/stream.h"

namespace atl {
namespace kernels {
namespace hls {

// GELU's per-channel tables: arrays of `count` values (1 or n) the caller owns; k = "const".
struct GeluConsts {
  const std::int64_t* b;
  const std::int64_t* c;
  const std::int64_t* shift;
  int count;
  int k;
};

// One value of channel ch (b in -2^31..0, 0 <= k <= 62).
constexpr std::int32_t gelu_value(std::int64_t x, const GeluConsts& g, int ch) {
  const int i = g.count == 1 ? 0 : ch;
  const std::int64_t b = g.b[i];
  const std::int64_t abs_x = x < 0 ? -x : x;
  const std::int64_t t = (abs_x < -b ? abs_x : -b) + b;
  const core::Wide sq = core::add(core::wide(t * t), core::wide(g.c[i]));
  const core::Wide y = core::shift_right(x < 0 ? core::negate(sq) : sq, g.k);
  const core::Wide z = core::add(y, core::wide(g.shift[i]));
  constexpr std::int64_t zmax = (std::int64_t{1} << 32) - 1;
  const std::int64_t zc =
      core::wide(zmax) < z ? zmax : (z < core::wide(-zmax) ? -zmax : core::saturate_int64(z));
  return core::saturate_int32(x * zc);
}

// sign(x): -1, 0, +1 (golden gelu/sign).
constexpr std::int8_t gelu_sign(std::int64_t x) {
  return static_cast<std::int8_t>((x > 0) - (x < 0));
}

template <int PE, class In, class Out>
void gelu(In& in, Out& out, int rows, int n, const GeluConsts& g) {
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < n; c += PE) {
      ATL_HLS(HLS PIPELINE II = 1)
      const auto x = in.read();
      typename Out::value_type y;
      for (int p = 0; p < PE; ++p) y.v[p] = gelu_value(x.v[p], g, c + p);
      out.write(y);
    }
  }
}

}  // namespace hls
}  // namespace kernels
}  // namespace atl
