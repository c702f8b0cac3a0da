#include "model/quantize.h"

#include <cmath>

#include <fmt/format.h>

#include "core/error.h"

namespace atl::model {

Dyadic dyadic(double ratio) {
  if (ratio == 0 || !std::isfinite(ratio)) {
    if (ratio == 0) return {0, 0};
    throw core::Error(fmt::format("dyadic: ratio {} is not finite", ratio));
  }
  int exp = 0;
  const double mant = std::frexp(ratio, &exp);                 // |mant| in [0.5, 1)
  auto m = static_cast<std::int64_t>(std::round(std::ldexp(mant, 31)));  // exact, ties away
  int e = 31 - exp;
  if (m == (std::int64_t{1} << 31) || m == -(std::int64_t{1} << 31)) {
    m /= 2;
    e -= 1;
  }
  return {m, e};
}

kernels::SoftmaxParams softmax_params(double s) {
  // The second-order i-exp polynomial 0.35815147 p^2 + 0.96963238 p + 1 on p in (-ln2, 0]
  // (I-BERT, Kim et al. 2021), evaluated as (r + b) r + c at scale 0.35815147 s^2.
  constexpr double kA = 0.35815147, kB = 0.96963238, kLn2 = 0.6931;
  kernels::SoftmaxParams p;
  p.n = 30;
  p.x0 = static_cast<std::int64_t>(std::floor(-kLn2 / s));
  p.b = static_cast<std::int64_t>(std::floor(kB / kA / s));
  p.c = static_cast<std::int64_t>(std::floor(1.0 / kA / (s * s)));
  if (p.x0 >= 0 || p.c <= 0 || p.c >= (std::int64_t{1} << (62 - p.n))) {
    throw core::Error(fmt::format(
        "softmax: score scale {} gives x0 = {}, c = {}; c << {} must fit int64 (scale too small) "
        "and x0 must be negative (scale too large)", s, p.x0, p.c, p.n));
  }
  // The largest i-exp value, c << n, maps to the top of the 16-bit range.
  const double max_exp = std::ldexp(static_cast<double>(p.c), p.n);
  const Dyadic d = dyadic(32767.0 / max_exp);
  p.m = d.m;
  p.e = d.e;
  return p;
}

GeluChannel gelu_channel(double s, int k) {
  // erf(x) ~ sign(x) [a (min(|x|, -b) + b)^2 + 1] with a = -0.2888, b = -1.769 (I-BERT i-GELU),
  // applied to x / sqrt(2) (1.4142 in the reference).
  constexpr double kA = -0.2888, kB = -1.769, kSqrt2 = 1.4142;
  const double s_e = s / kSqrt2;
  GeluChannel g;
  g.b = static_cast<std::int64_t>(std::floor(kB / s_e));
  g.c = static_cast<std::int64_t>(std::floor(1.0 / kA / (s_e * s_e)));
  const double s_y = s_e * s_e * kA * std::ldexp(1.0, k);
  g.shift = static_cast<std::int64_t>(std::floor(1.0 / s_y));
  g.out_scale = s * s_y / 2;
  return g;
}

double layernorm_unit(std::int64_t channels) {
  return std::sqrt(static_cast<double>(channels)) / std::ldexp(1.0, 30);
}

}  // namespace atl::model
