#include "kernels/gelu.h"

#include <algorithm>

#include "core/dyadic.h"
#include "core/error.h"

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
  const std::int64_t b = p.b[pick(p.b, ch)];
  const std::int64_t c = p.c[pick(p.c, ch)];
  const std::int64_t shift = p.shift[pick(p.shift, ch)];
  if (x == 0) return 0;
  const std::int64_t a = std::min<std::int64_t>(x < 0 ? -x : x, -b);
  const core::i128 t = static_cast<core::i128>(a + b);
  const core::i128 sq = t * t + c;
  const core::i128 y = x < 0 ? (-sq) >> p.k : sq >> p.k;
  return core::saturate_to<std::int32_t>(static_cast<core::i128>(x) * (y + shift));
}

void gelu_row(std::span<const std::int32_t> x, const GeluParams& p, std::span<std::int32_t> y,
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
  for (std::size_t ch = 0; ch < x.size(); ++ch) {
    y[ch] = static_cast<std::int32_t>(gelu_value(x[ch], p, ch));
    if (!sign.empty()) sign[ch] = static_cast<std::int8_t>((x[ch] > 0) - (x[ch] < 0));
  }
}

core::Tensor<std::int32_t> gelu(const core::Tensor<std::int32_t>& x, const GeluParams& p) {
  if (x.rank() != 2) {
    throw core::Error("gelu: input must be [rows, channels], got " + core::to_string(x.shape()));
  }
  validate(p, x.dim(1), "gelu");
  core::Tensor<std::int32_t> y(x.shape());
  for (std::int64_t i = 0; i < x.rows(); ++i) gelu_row(x.row(i), p, y.row(i));
  return y;
}

}  // namespace atl::kernels
