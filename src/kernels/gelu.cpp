#include "kernels/gelu.h"

#include <algorithm>

#include "core/error.h"
#include "kernels/hls/gelu.h"
#include "kernels/vectorize.h"

namespace atl::kernels {

namespace {
std::size_t pick(const std::vector<std::int64_t>& v, std::size_t ch) {
  return v.size() == 1 ? 0 : ch;
}
}  // namespace

void validate(const GeluParams& p, std::int64_t channels, const std::string& what) {
  auto check = [&](const std::vector<std::int64_t>& v, const char* name) {
    if (v.size() != 1 && static_cast<std::int64_t>(v.size()) != channels) {
      throw core::Error(what + ": " + name + " has " + std::to_string(v.size()) +
                        " values, expected 1 or " + std::to_string(channels));
    }
  };
  check(p.b, "b");
  check(p.c, "c");
  check(p.shift, "shift");
  for (std::size_t i = 0; i < p.b.size(); ++i) {
    if (p.b[i] > 0 || p.b[i] < -(std::int64_t{1} << 31)) {
      throw core::Error(what + ": b[" + std::to_string(i) + "] = " + std::to_string(p.b[i]) +
                        ", expected -2^31..0");
    }
  }
  if (p.k < 0 || p.k > 62) {
    throw core::Error(what + ": const (k) = " + std::to_string(p.k) + ", expected 0..62");
  }
}

std::int64_t gelu_value(std::int64_t x, const GeluParams& p, std::size_t ch) {
  const std::int64_t b = p.b[pick(p.b, ch)], c = p.c[pick(p.c, ch)], s = p.shift[pick(p.shift, ch)];
  return hls::gelu_value(x, {&b, &c, &s, 1, p.k}, 0);
}

void gelu_row_ref(std::span<const std::int32_t> x, const GeluParams& p, std::span<std::int32_t> y,
                  std::span<std::int8_t> sign) {
  if (y.size() != x.size() || (!sign.empty() && sign.size() != x.size())) {
    throw core::Error("gelu_row: input has " + std::to_string(x.size()) + " channels, output " +
                      std::to_string(y.size()));
  }
  const auto fits = [&](const std::vector<std::int64_t>& v) {
    return v.size() == 1 || v.size() == x.size();
  };
  if (!fits(p.b) || !fits(p.c) || !fits(p.shift)) {
    validate(p, static_cast<std::int64_t>(x.size()), "gelu_row");
  }
  const std::size_t count = p.b.size();
  if (p.c.size() == count && p.shift.size() == count) {
    hls::ConstArrayStream<std::int32_t, 1> in{x.data()};
    hls::ArrayStream<std::int32_t, 1> out{y.data()};
    const hls::GeluConsts g{p.b.data(), p.c.data(), p.shift.data(), static_cast<int>(count), p.k};
    hls::gelu<1>(in, out, 1, static_cast<int>(x.size()), g);
  } else {  // a per-tensor table beside per-channel ones: one value at a time
    for (std::size_t ch = 0; ch < x.size(); ++ch) {
      y[ch] = static_cast<std::int32_t>(gelu_value(x[ch], p, ch));
    }
  }
  for (std::size_t ch = 0; ch < sign.size(); ++ch) sign[ch] = hls::gelu_sign(x[ch]);
}

// ---------------------------------------------------------------------------------------------
// 64-bit path. With -2^31 <= b <= 0: a + b lies in [b, 0], so (a + b)^2 <= 2^62; with
// |c| < 2^61 the polynomial sq fits int64 (< 2^62 + 2^61), and for 1 <= k <= 62 so does
// y = (+-sq) >> k (|y| < 2^62). With |shift| < 2^61 z = y + shift fits too. The int32 result
// x * z saturates, so z may be clamped to +-(2^32 - 1) first: whenever |z| >= 2^32 - 1 and
// x != 0, |x*z| > 2^31 and the saturated result depends only on the signs, which the clamp keeps;
// the clamped product is below 2^63. Without branches per element (the sign select and the clamps
// are min/max/blend), the loop vectorises.

bool gelu_fits_int64(const GeluParams& p, std::size_t n) {
  constexpr std::int64_t limit = std::int64_t{1} << 61;
  if (p.b.size() != n || p.c.size() != n || p.shift.size() != n || p.k < 1 || p.k > 62) {
    return false;
  }
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) {
    ok &= p.b[i] <= 0 && p.b[i] >= -(std::int64_t{1} << 31) && p.c[i] > -limit && p.c[i] < limit &&
          p.shift[i] > -limit && p.shift[i] < limit;
  }
  return ok;
}

namespace {

ATL_VECTOR_CLONES void gelu_loop(const std::int32_t* x, std::size_t n, const std::int64_t* b,
                                 const std::int64_t* c, const std::int64_t* shift, int k,
                                 std::int32_t* y) {
  constexpr std::int64_t zmax = (std::int64_t{1} << 32) - 1;
  const std::int64_t kk = k;
  for (std::size_t ch = 0; ch < n; ++ch) {
    const std::int64_t v = x[ch];
    const std::int64_t abs_v = v < 0 ? -v : v;
    const std::int64_t a = abs_v < -b[ch] ? abs_v : -b[ch];
    const std::int64_t t = a + b[ch];
    const std::int64_t sq = int32_value(t) * int32_value(t) + c[ch];  // -2^31 <= t <= 0
    const std::int64_t signed_sq = v < 0 ? -sq : sq;
    std::int64_t z = (signed_sq >> kk) + shift[ch];
    z = z < -zmax ? -zmax : (z > zmax ? zmax : z);
    std::int64_t out = v * z;  // 0 for x == 0, as the definition's y = 0 gives
    out = out < INT32_MIN ? INT32_MIN : (out > INT32_MAX ? INT32_MAX : out);
    y[ch] = static_cast<std::int32_t>(out);
  }
}

}  // namespace

void gelu_row_i64(const std::int32_t* x, std::size_t n, const GeluParams& p, std::int32_t* y) {
  gelu_loop(x, n, p.b.data(), p.c.data(), p.shift.data(), p.k, y);
}

namespace {

void check_sizes(std::size_t x, std::size_t y, std::size_t sign) {
  if (y != x || (sign != 0 && sign != x)) {
    throw core::Error("gelu_row: input has " + std::to_string(x) + " channels, output " +
                      std::to_string(y));
  }
}

}  // namespace

void gelu_row(std::span<const std::int32_t> x, const GeluParams& p, std::span<std::int32_t> y,
              std::span<std::int8_t> sign) {
  check_sizes(x.size(), y.size(), sign.size());
  if (!gelu_fits_int64(p, x.size())) return gelu_row_ref(x, p, y, sign);
  gelu_row_i64(x.data(), x.size(), p, y.data());
  for (std::size_t ch = 0; ch < sign.size(); ++ch) {
    sign[ch] = static_cast<std::int8_t>((x[ch] > 0) - (x[ch] < 0));
  }
}

core::Tensor<std::int32_t> gelu(const core::Tensor<std::int32_t>& x, const GeluParams& p) {
  if (x.rank() != 2) {
    throw core::Error("gelu: input must be [rows, channels], got " + core::to_string(x.shape()));
  }
  validate(p, x.dim(1), "gelu");
  core::Tensor<std::int32_t> y(x.shape());
  const std::int64_t rows = x.rows();
  const auto n = static_cast<std::size_t>(x.dim(1));
  if (!gelu_fits_int64(p, n)) {
    for (std::int64_t i = 0; i < rows; ++i) gelu_row_ref(x.row(i), p, y.row(i));
    return y;
  }
#pragma omp parallel for schedule(static) if (x.size() >= kMinParallelElements)
  for (std::int64_t i = 0; i < rows; ++i) {
    gelu_row_i64(x.row(i).data(), n, p, y.row(i).data());
  }
  return y;
}

}  // namespace atl::kernels
