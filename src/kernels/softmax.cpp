#include "kernels/softmax.h"

#include <algorithm>
#include <vector>

#include "core/dyadic.h"
#include "core/error.h"
#include "kernels/attention_matmul.h"

namespace atl::kernels {

void validate(const SoftmaxParams& p, const std::string& what) {
  if (p.x0 >= 0) {
    throw core::Error(what + ": x0 = " + std::to_string(p.x0) + ", expected a negative value");
  }
  if (p.n < 0 || p.n > 62) {
    throw core::Error(what + ": const (n) = " + std::to_string(p.n) + ", expected 0..62");
  }
  if (p.e < -126 || p.e > 200) {
    throw core::Error(what + ": e = " + std::to_string(p.e) + " outside -126..200");
  }
}

std::int64_t softmax_exp(std::int64_t d, const SoftmaxParams& p) {
  const std::int64_t floor_x = static_cast<std::int64_t>(p.n) * p.x0;
  const std::int64_t x = std::max(d, floor_x);
  const std::int64_t q = x / p.x0;  // C++ truncation; x <= 0 and x0 < 0 give q >= 0
  const std::int64_t r = x - p.x0 * q;
  const core::i128 poly = (static_cast<core::i128>(r) + p.b) * r + p.c;
  const core::i128 shifted = core::shift_round_half_up(poly, -static_cast<int>(p.n - q));
  if (shifted < 0) return 0;
  return core::saturate_to<std::int64_t>(shifted);
}

void softmax_row(std::span<const std::int32_t> scores, const SoftmaxParams& p,
                 std::span<std::uint8_t> out, std::span<std::int64_t> exp_out,
                 std::span<std::int32_t> e16_out) {
  const std::size_t n = scores.size();
  if (out.size() != n || (!exp_out.empty() && exp_out.size() != n) ||
      (!e16_out.empty() && e16_out.size() != n)) {
    throw core::Error("softmax_row: scores have " + std::to_string(n) + " columns, output " +
                      std::to_string(out.size()) + "; sizes must match");
  }
  if (p.x0 >= 0 || p.n < 0 || p.n > 62) validate(p, "softmax_row");
  if (n == 0) return;
  const std::int32_t max = *std::max_element(scores.begin(), scores.end());
  thread_local std::vector<std::int64_t> e16;
  e16.resize(n);
  std::int64_t sum = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const std::int64_t d = scores[j] == kMaskedScore ? static_cast<std::int64_t>(kMaskedScore)
                                                     : static_cast<std::int64_t>(scores[j]) - max;
    const std::int64_t ex = softmax_exp(d, p);
    if (!exp_out.empty()) exp_out[j] = ex;
    e16[j] = core::requantize(ex, p.m, p.e, 16);
    if (!e16_out.empty()) e16_out[j] = static_cast<std::int32_t>(e16[j]);
    sum += e16[j];
  }
  for (std::size_t j = 0; j < n; ++j) {
    std::int64_t v = 0;
    if (sum > 0) v = std::clamp<std::int64_t>((e16[j] * 256) / sum, 0, 255);
    out[j] = static_cast<std::uint8_t>(v);
  }
}

core::Tensor<std::uint8_t> softmax(const core::Tensor<std::int32_t>& scores,
                                   const SoftmaxParams& p) {
  if (scores.rank() != 2) {
    throw core::Error("softmax: scores must be [rows, cols], got " +
                      core::to_string(scores.shape()));
  }
  validate(p, "softmax");
  core::Tensor<std::uint8_t> y(scores.shape());
  for (std::int64_t i = 0; i < scores.rows(); ++i) softmax_row(scores.row(i), p, y.row(i));
  return y;
}

}  // namespace atl::kernels
