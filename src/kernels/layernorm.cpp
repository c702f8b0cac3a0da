#include "kernels/layernorm.h"

#include <algorithm>
#include <bit>
#include <vector>

#include "core/dyadic.h"
#include "core/error.h"
#include "kernels/hls/layernorm.h"
#include "kernels/vectorize.h"

namespace atl::kernels {

std::uint64_t isqrt_exact(std::uint64_t v) {
  return hls::isqrt_exact(v);
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

std::int64_t layernorm_mean(std::int64_t sum, std::int64_t n) {
  return hls::layernorm_mean(sum, n);
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

void layernorm_row_ref(std::span<const std::int32_t> x, const LayerNormParams& p,
                       std::span<std::int32_t> out, std::span<std::int32_t> y_int) {
  const std::size_t n = x.size();
  if (out.size() != n || p.bias.size() != n || (!y_int.empty() && y_int.size() != n)) {
    throw core::Error("layernorm_row: input has " + std::to_string(n) + " channels, output " +
                      std::to_string(out.size()) + ", bias " + std::to_string(p.bias.size()) +
                      "; all must match");
  }
  if (p.shift < 0 || p.shift > 31) validate(p, static_cast<std::int64_t>(n), "layernorm_row_ref");
  if (n == 0) return;
  if (y_int.empty()) {
    hls::ConstArrayStream<std::int32_t, 1> in{x.data()};
    hls::ArrayStream<std::int32_t, 1> o{out.data()};
    thread_local std::vector<std::int32_t> buf;
    buf.resize(n);
    return hls::layernorm<1>(in, o, 1, static_cast<int>(n), p.shift, p.bias.data(), buf.data());
  }
  const hls::LayerNormRow row = hls::layernorm_stats(x.data(), static_cast<int>(n), p.shift);
  for (std::size_t c = 0; c < n; ++c) {
    const std::int64_t y = hls::layernorm_value(x[c], row);
    y_int[c] = core::saturate_int32(y);
    out[c] = hls::layernorm_output(y, p.bias[c]);
  }
}

// ---------------------------------------------------------------------------------------------
// 64-bit path, decided per row from the row's own range (one extra min/max in the sum pass):
// with D = max |x[c] - mean| and n channels, the variance sum fits int64 when
// n * ((D >> shift) + 1)^2 < 2^63, and d * factor fits when D * factor < 2^62; the bias must be
// below 2^61 so that y + bias cannot overflow (|y| < 2^61). Otherwise the row takes the
// definition. The loops have no branches per element and vectorise.

namespace {

struct RowStats {
  std::int64_t sum, min, max;
};

ATL_VECTOR_CLONES RowStats row_stats(const std::int32_t* x, std::size_t n) {
  std::int64_t sum = 0;
  std::int32_t lo = INT32_MAX, hi = INT32_MIN;
  for (std::size_t c = 0; c < n; ++c) {
    sum += x[c];
    lo = x[c] < lo ? x[c] : lo;
    hi = x[c] > hi ? x[c] : hi;
  }
  return {sum, lo, hi};
}

ATL_VECTOR_CLONES std::int64_t variance_i64(const std::int32_t* x, std::size_t n, std::int64_t mean,
                                            int shift) {
  std::int64_t var = 0;
  const std::int64_t s = shift;
  for (std::size_t c = 0; c < n; ++c) {
    const std::int64_t y = (static_cast<std::int64_t>(x[c]) - mean) >> s;
    var += y * y;
  }
  return var;
}

ATL_VECTOR_CLONES void normalise_i64(const std::int32_t* x, std::size_t n, std::int64_t mean,
                                     std::int64_t factor, const std::int64_t* bias,
                                     std::int32_t* out, std::int32_t* y_int) {
  for (std::size_t c = 0; c < n; ++c) {
    const std::int64_t y = ((static_cast<std::int64_t>(x[c]) - mean) * factor) >> 1;
    const std::int64_t o = y + bias[c];
    out[c] = static_cast<std::int32_t>(o < INT32_MIN ? INT32_MIN : (o > INT32_MAX ? INT32_MAX : o));
    y_int[c] =
        static_cast<std::int32_t>(y < INT32_MIN ? INT32_MIN : (y > INT32_MAX ? INT32_MAX : y));
  }
}

}  // namespace

bool layernorm_fits_int64(const LayerNormParams& p) {
  constexpr std::int64_t limit = std::int64_t{1} << 61;
  bool ok = p.shift >= 0 && p.shift <= 31;
  for (std::int64_t b : p.bias) ok &= b > -limit && b < limit;
  return ok;
}

bool layernorm_row_i64(const std::int32_t* x, std::size_t n, const LayerNormParams& p,
                       std::int32_t* out, std::int32_t* y_int) {
  const std::int64_t cn = static_cast<std::int64_t>(n);
  const RowStats st = row_stats(x, n);
  const std::int64_t mean = hls::layernorm_mean(st.sum, cn);
  const std::int64_t dmax = std::max(st.max - mean, mean - st.min);  // < 2^33
  // n * ds^2 < 2^63, in 64 bits: ds^2 < 2^63 first (3037000499^2 < 2^63 < 3037000500^2).
  const auto ds = static_cast<std::uint64_t>((dmax >> p.shift) + 1);
  if (ds > 3037000499 || ds * ds > static_cast<std::uint64_t>(core::kInt64Max) / n) return false;
  const auto var = static_cast<std::uint64_t>(variance_i64(x, n, mean, p.shift));
  const std::int64_t factor = hls::layernorm_factor(var, p.shift);
  // dmax < 2^33 and factor <= 2^31: the product fits uint64.
  if (static_cast<std::uint64_t>(dmax) * static_cast<std::uint64_t>(factor) >=
      (std::uint64_t{1} << 62)) {
    return false;
  }
  normalise_i64(x, n, mean, factor, p.bias.data(), out, y_int);
  return true;
}

void layernorm_row(std::span<const std::int32_t> x, const LayerNormParams& p,
                   std::span<std::int32_t> out, std::span<std::int32_t> y_int) {
  const std::size_t n = x.size();
  if (out.size() != n || p.bias.size() != n || (!y_int.empty() && y_int.size() != n) ||
      p.shift < 0 || p.shift > 31 || n == 0 || !layernorm_fits_int64(p)) {
    return layernorm_row_ref(x, p, out, y_int);  // checks and throws, or the definition
  }
  thread_local std::vector<std::int32_t> scratch;
  if (y_int.empty()) scratch.resize(n);
  std::int32_t* yi = y_int.empty() ? scratch.data() : y_int.data();
  if (!layernorm_row_i64(x.data(), n, p, out.data(), yi)) layernorm_row_ref(x, p, out, y_int);
}

core::Tensor<std::int32_t> layernorm(const core::Tensor<std::int32_t>& x,
                                     const LayerNormParams& p) {
  if (x.rank() != 2) {
    throw core::Error("layernorm: input must be [rows, channels], got " +
                      core::to_string(x.shape()));
  }
  validate(p, x.dim(1), "layernorm");
  core::Tensor<std::int32_t> y(x.shape());
  const std::int64_t rows = x.rows();
  if (rows == 0 || x.dim(1) == 0) return y;
  if (!layernorm_fits_int64(p)) {
    for (std::int64_t i = 0; i < rows; ++i) layernorm_row_ref(x.row(i), p, y.row(i));
    return y;
  }
  const auto n = static_cast<std::size_t>(x.dim(1));
#pragma omp parallel if (x.size() >= kMinParallelElements)
  {
    std::vector<std::int32_t> scratch(n);
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < rows; ++i) {
      if (!layernorm_row_i64(x.row(i).data(), n, p, y.row(i).data(), scratch.data())) {
        layernorm_row_ref(x.row(i), p, y.row(i));
      }
    }
  }
  return y;
}

}  // namespace atl::kernels
