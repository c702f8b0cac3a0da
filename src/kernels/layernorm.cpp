#include "kernels/layernorm.h"

#include <algorithm>
#include <bit>
#include <limits>

#include "core/dyadic.h"
#include "core/error.h"

namespace atl::kernels {

std::uint64_t isqrt_exact(std::uint64_t v) {
  if (v < 2) return v;
  // Start above the root and descend (Newton from above never undershoots floor(sqrt(v))).
  std::uint64_t x = std::uint64_t{1} << ((std::bit_width(v) + 1) / 2);
  while (true) {
    const std::uint64_t y = (x + v / x) >> 1;
    if (y >= x) return x;
    x = y;
  }
}

std::uint64_t isqrt_newton(std::uint64_t v, int iterations) {
  const int bits = std::max(1, static_cast<int>(std::bit_width(v)));
  std::uint64_t x = std::uint64_t{1} << ((bits >> 1) + (bits & 1));
  for (int i = 0; i < iterations; ++i) {
    if (x == 0) break;  // only for v == 0 (the hardware would divide by zero)
    const std::uint64_t t = (x + v / x) >> 1;
    if (x > t) x = t;
  }
  return x;
}

void validate(const LayerNormParams& p, std::int64_t channels, const std::string& what) {
  if (static_cast<std::int64_t>(p.bias.size()) != channels) {
    throw core::Error(what + ": bias has " + std::to_string(p.bias.size()) + " values, expected " +
                      std::to_string(channels) + " (channels)");
  }
  if (p.shift < 0 || p.shift > 31) {
    throw core::Error(what + ": shift = " + std::to_string(p.shift) + ", expected 0..31");
  }
}

void layernorm_row(std::span<const std::int32_t> x, const LayerNormParams& p,
                   std::span<std::int32_t> out, std::span<std::int32_t> y_int) {
  const std::size_t n = x.size();
  if (out.size() != n || p.bias.size() != n || (!y_int.empty() && y_int.size() != n)) {
    throw core::Error("layernorm_row: input has " + std::to_string(n) + " channels, output " +
                      std::to_string(out.size()) + ", bias " + std::to_string(p.bias.size()) +
                      "; all must match");
  }
  if (p.shift < 0 || p.shift > 31) validate(p, static_cast<std::int64_t>(n), "layernorm_row");
  if (n == 0) return;
  const std::int64_t cn = static_cast<std::int64_t>(n);
  std::int64_t sum = 0;
  for (std::int32_t v : x) sum += v;
  // Round to nearest, ties toward zero (the hardware's sign-magnitude rounding of sum / C).
  std::int64_t mean = sum / cn;
  const std::int64_t rem = sum % cn;  // same sign as sum
  if (rem > cn / 2) ++mean;
  if (-rem > cn / 2) --mean;
  core::i128 var = 0;
  for (std::int32_t v : x) {
    const std::int64_t y = (static_cast<std::int64_t>(v) - mean) >> p.shift;
    var += static_cast<core::i128>(y) * y;
  }
  const core::i128 umax = static_cast<core::i128>(std::numeric_limits<std::uint64_t>::max());
  const std::uint64_t var64 = static_cast<std::uint64_t>(var > umax ? umax : var);
  const std::uint64_t sd = isqrt_newton(var64, 4);
  const core::i128 divisor = static_cast<core::i128>(sd) << p.shift;
  const std::int64_t two31 = std::int64_t{1} << 31;
  const std::int64_t factor =
      divisor == 0 ? two31 : static_cast<std::int64_t>(static_cast<core::i128>(two31) / divisor);
  for (std::size_t c = 0; c < n; ++c) {
    const core::i128 d = static_cast<core::i128>(x[c]) - mean;
    const core::i128 y = (d * factor) >> 1;
    if (!y_int.empty()) y_int[c] = core::saturate_to<std::int32_t>(y);
    out[c] = core::saturate_to<std::int32_t>(y + p.bias[c]);
  }
}

core::Tensor<std::int32_t> layernorm(const core::Tensor<std::int32_t>& x,
                                     const LayerNormParams& p) {
  if (x.rank() != 2) {
    throw core::Error("layernorm: input must be [rows, channels], got " +
                      core::to_string(x.shape()));
  }
  validate(p, x.dim(1), "layernorm");
  core::Tensor<std::int32_t> y(x.shape());
  for (std::int64_t i = 0; i < x.rows(); ++i) layernorm_row(x.row(i), p, y.row(i));
  return y;
}

}  // namespace atl::kernels
