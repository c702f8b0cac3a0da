#include "model/quantize_decoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "model/quantize.h"

namespace atl::model {

kernels::Multiplier multiplier(double ratio) {
  if (!std::isfinite(ratio))
    throw core::Error(fmt::format("multiplier: ratio {} is not finite", ratio));
  if (ratio == 0) return {0, 0};
  int x = 0;
  const double mant = std::frexp(ratio, &x);  // |mant| in [0.5, 1)
  auto m = static_cast<std::int32_t>(std::lround(std::ldexp(mant, 16)));
  int e = 16 - x;
  if (m == (1 << 16) || m == -(1 << 16)) {
    m /= 2;
    e -= 1;
  }
  return {m, e};
}

template <class T>
QuantRows<T> quantize_rows(const std::vector<float>& w, std::int64_t rows, std::int64_t cols,
                           const std::string& what) {
  if (rows < 0 || cols < 0 || static_cast<std::int64_t>(w.size()) != rows * cols) {
    throw core::Error(fmt::format("{}: {} values, expected {} x {} = {}", what, w.size(), rows,
                                  cols, rows * cols));
  }
  constexpr double levels = std::numeric_limits<T>::max();
  QuantRows<T> r;
  r.rows = rows;
  r.cols = cols;
  r.q.resize(w.size());
  r.scale.resize(static_cast<std::size_t>(rows));
  for (std::int64_t i = 0; i < rows; ++i) {
    const float* row = w.data() + i * cols;
    double amax = 0;
    for (std::int64_t c = 0; c < cols; ++c) {
      if (!std::isfinite(row[c])) {
        throw core::Error(fmt::format("{}: value [{}][{}] = {} is not finite", what, i, c, row[c]));
      }
      amax = std::max(amax, std::fabs(static_cast<double>(row[c])));
    }
    const double s = amax / levels;
    r.scale[static_cast<std::size_t>(i)] = s;
    for (std::int64_t c = 0; c < cols; ++c) {
      const double v = s == 0 ? 0.0 : std::round(row[c] / s);
      r.q[static_cast<std::size_t>(i * cols + c)] = static_cast<T>(std::clamp(v, -levels, levels));
    }
  }
  return r;
}
template Int8Rows quantize_rows(const std::vector<float>&, std::int64_t, std::int64_t,
                                const std::string&);
template Int16Rows quantize_rows(const std::vector<float>&, std::int64_t, std::int64_t,
                                 const std::string&);

std::vector<std::int32_t> to_fixed(const std::vector<float>& v, int frac_bits) {
  std::vector<std::int32_t> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double x = std::round(std::ldexp(static_cast<double>(v[i]), frac_bits));
    out[i] = static_cast<std::int32_t>(std::clamp(x, -2147483648.0, 2147483647.0));
  }
  return out;
}

int gain_bits(const std::vector<float>& v) {
  double amax = 0;
  for (float x : v) amax = std::max(amax, std::fabs(static_cast<double>(x)));
  if (amax == 0) return 30;
  int x = 0;
  std::frexp(amax, &x);  // amax < 2^x
  return std::clamp(15 - x, -30, 30);
}

namespace {

int exp_shift(const kernels::SoftmaxParams& p) {
  const int bits = kernels::bit_width64(p.c) + p.n;  // bits of c << n
  return std::max(0, bits - 30);
}

}  // namespace

kernels::SigmoidParams sigmoid_params(int in_frac_bits) {
  kernels::SigmoidParams p;
  p.in_frac_bits = in_frac_bits;
  p.exp = softmax_params(std::ldexp(1.0, -in_frac_bits));
  p.exp_shift = exp_shift(p.exp);
  return p;
}

kernels::AttentionParams attention_params(std::int64_t head_dim, int frac_bits) {
  // S = 2^(E - 2F) / (127^2 sqrt(hd)) <= 2^-11  <=>  E <= 2F - 11 + log2(127^2 sqrt(hd)).
  const double unit = 127.0 * 127.0 * std::sqrt(static_cast<double>(head_dim));
  kernels::AttentionParams p;
  p.score_exponent = static_cast<int>(std::floor(2 * frac_bits - 11 + std::log2(unit)));
  p.exp = softmax_params(std::ldexp(1.0, p.score_exponent - 2 * frac_bits) / unit);
  p.exp_shift = exp_shift(p.exp);
  return p;
}

kernels::DecoderGeluParams gelu_params(int frac_bits) {
  kernels::DecoderGeluParams p;
  p.in_frac_bits = 10;
  const GeluChannel g = gelu_channel(std::ldexp(1.0, -p.in_frac_bits), 14);
  p.gelu.b = {g.b};
  p.gelu.c = {g.c};
  p.gelu.shift = {g.shift};
  p.gelu.k = 14;
  p.out = multiplier(std::ldexp(g.out_scale, frac_bits));
  return p;
}

RopeTable rope_table(std::int64_t max_seq, std::int64_t head_dim, double theta) {
  const std::int64_t half = head_dim / 2;
  RopeTable t;
  t.cos.resize(static_cast<std::size_t>(max_seq * half));
  t.sin.resize(t.cos.size());
  const double one = std::ldexp(1.0, kernels::kRopeFracBits);
  for (std::int64_t pos = 0; pos < max_seq; ++pos) {
    for (std::int64_t i = 0; i < half; ++i) {
      const double f =
          std::pow(theta, -2.0 * static_cast<double>(i) / static_cast<double>(head_dim));
      const double angle = static_cast<double>(pos) * f;
      const auto at = static_cast<std::size_t>(pos * half + i);
      t.cos[at] = static_cast<std::int16_t>(std::lround(std::cos(angle) * one));
      t.sin[at] = static_cast<std::int16_t>(std::lround(std::sin(angle) * one));
    }
  }
  return t;
}

}  // namespace atl::model
