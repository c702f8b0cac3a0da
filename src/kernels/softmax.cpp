#include "kernels/softmax.h"

#include <algorithm>
#include <bit>
#include <vector>

#include "core/dyadic.h"
#include "core/error.h"
#include "kernels/attention_matmul.h"
#include "kernels/hls/softmax.h"
#include "kernels/vectorize.h"

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

namespace {
static_assert(hls::kMaskedScore == kMaskedScore);

hls::SoftmaxConsts consts(const SoftmaxParams& p) {
  return {p.x0, p.b, p.c, p.n, p.m, p.e};
}
}  // namespace

std::int64_t softmax_exp(std::int64_t d, const SoftmaxParams& p) {
  return hls::softmax_exp(d, consts(p));
}

void softmax_row_ref(std::span<const std::int32_t> scores, const SoftmaxParams& p,
                     std::span<std::uint8_t> out, std::span<std::int64_t> exp_out,
                     std::span<std::int32_t> e16_out) {
  const std::size_t n = scores.size();
  if (out.size() != n || (!exp_out.empty() && exp_out.size() != n) ||
      (!e16_out.empty() && e16_out.size() != n)) {
    throw core::Error("softmax_row_ref: scores have " + std::to_string(n) + " columns, output " +
                      std::to_string(out.size()) + "; sizes must match");
  }
  if (p.x0 >= 0 || p.n < 0 || p.n > 62) validate(p, "softmax_row");
  if (n == 0) return;
  const hls::SoftmaxConsts k = consts(p);
  thread_local std::vector<std::int32_t> buf;
  buf.resize(n);
  if (exp_out.empty() && e16_out.empty()) {
    hls::ConstArrayStream<std::int32_t, 1> in{scores.data()};
    hls::ArrayStream<std::uint8_t, 1> o{out.data()};
    return hls::softmax<1>(in, o, 1, static_cast<int>(n), k, buf.data());
  }
  // The same steps, keeping the intermediates (golden softmax/input_h and the e16 debug values).
  const std::int32_t max = *std::max_element(scores.begin(), scores.end());
  std::int64_t sum = 0;
  for (std::size_t j = 0; j < n; ++j) {
    if (!exp_out.empty()) {
      const std::int64_t d =
          scores[j] == kMaskedScore ? std::int64_t{kMaskedScore} : std::int64_t{scores[j]} - max;
      exp_out[j] = hls::softmax_exp(d, k);
    }
    buf[j] = static_cast<std::int32_t>(hls::softmax_e16(scores[j], max, k));
    if (!e16_out.empty()) e16_out[j] = buf[j];
    sum += buf[j];
  }
  for (std::size_t j = 0; j < n; ++j) out[j] = hls::softmax_probability(buf[j], sum);
}

// ---------------------------------------------------------------------------------------------
// 64-bit path. exp = P << s with P = max(0, (r + b) r + c) and s = n - q, so
//     RNE(exp * m, e) = RNE(P * m, e - s)          (for e - s >= 1: the same rational number)
// and P * m fits int64 when bits(P) + bits(m) <= 61, where P <= (|x0| + |b|) |x0| + |c| bounds P
// from the parameters alone. A shift k >= 63 of a value below 2^62 rounds to 0, as k = 63 does, so
// k is clamped there. q = x / x0 is computed in double: |x| < 2^30 and the quotient is at most
// n <= 62, so an inexact quotient is at least 1/|x0| > 2^-24 away from an integer while the double
// error is below 2^-47, and truncation gives the integer quotient. The probabilities
// (e16 << 8) / sum use the same argument (numerator below 2^23, sum below 2^30). When a bound does
// not hold the row takes the definition.

namespace {

bool softmax_fits_int64(const SoftmaxParams& p) {
  constexpr std::int64_t lim24 = std::int64_t{1} << 24;
  if (p.x0 >= 0 || p.x0 <= -lim24 || p.n < 0 || p.n > 62 || p.b <= -lim24 || p.b >= lim24 ||
      p.c <= -(std::int64_t{1} << 48) || p.c >= (std::int64_t{1} << 48) || p.e < p.n + 1 ||
      p.m <= -(std::int64_t{1} << 62) || p.m >= (std::int64_t{1} << 62)) {
    return false;
  }
  const std::int64_t ax0 = -p.x0;
  const auto bound =
      static_cast<std::uint64_t>((ax0 + (p.b < 0 ? -p.b : p.b)) * ax0 + (p.c < 0 ? -p.c : p.c));
  const int pbits = static_cast<int>(std::bit_width(bound));
  const int mbits =
      static_cast<int>(std::bit_width(static_cast<std::uint64_t>(p.m < 0 ? -p.m : p.m)));
  return pbits + p.n <= 62 && pbits + mbits <= 61;
}

ATL_VECTOR_CLONES std::int32_t row_max(const std::int32_t* s, std::size_t n) {
  std::int32_t m = INT32_MIN;
  for (std::size_t j = 0; j < n; ++j) m = s[j] > m ? s[j] : m;
  return m;
}

// e16 of every column; returns their sum.
ATL_VECTOR_CLONES std::int64_t e16_row(const std::int32_t* s, std::size_t n, std::int32_t max,
                                       std::int64_t x0, std::int64_t b, std::int64_t c, int nn,
                                       std::int64_t m, int e, std::int64_t* e16) {
  const std::int64_t floor_x = static_cast<std::int64_t>(nn) * x0;
  const double x0d = static_cast<double>(x0);
  std::int64_t sum = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const std::int64_t d =
        s[j] == kMaskedScore ? std::int64_t{kMaskedScore} : static_cast<std::int64_t>(s[j]) - max;
    const std::int64_t x = d > floor_x ? d : floor_x;
    const auto q = static_cast<std::int64_t>(static_cast<double>(x) / x0d);
    const std::int64_t r = x - x0 * q;
    const std::int64_t poly = (r + b) * r + c;
    const std::int64_t pp = poly > 0 ? poly : 0;
    std::int64_t k = e - (nn - q);
    k = k > 63 ? 63 : k;
    const std::int64_t pm = pp * m;
    std::int64_t v = core::shift_round_half_even_i64(pm, k);
    v = v < -32768 ? -32768 : (v > 32767 ? 32767 : v);
    e16[j] = v;
    sum += v;
  }
  return sum;
}

ATL_VECTOR_CLONES void probabilities(const std::int64_t* e16, std::size_t n, std::int64_t sum,
                                     std::uint8_t* out) {
  const double sd = static_cast<double>(sum);
  for (std::size_t j = 0; j < n; ++j) {
    auto v = static_cast<std::int64_t>(static_cast<double>(e16[j] * 256) / sd);
    v = v < 0 ? 0 : (v > 255 ? 255 : v);
    out[j] = static_cast<std::uint8_t>(v);
  }
}

// Returns false (nothing written) when the row needs the definition. e16 holds n values.
bool softmax_row_i64(const std::int32_t* s, std::size_t n, const SoftmaxParams& p,
                     std::int64_t* e16, std::uint8_t* out) {
  const std::int32_t max = row_max(s, n);
  const std::int64_t sum = e16_row(s, n, max, p.x0, p.b, p.c, p.n, p.m, p.e, e16);
  if (sum >= (std::int64_t{1} << 30)) return false;
  if (sum <= 0) {
    std::fill(out, out + n, std::uint8_t{0});
    return true;
  }
  probabilities(e16, n, sum, out);
  return true;
}

}  // namespace

void softmax_row(std::span<const std::int32_t> scores, const SoftmaxParams& p,
                 std::span<std::uint8_t> out, std::span<std::int64_t> exp_out,
                 std::span<std::int32_t> e16_out) {
  if (!exp_out.empty() || !e16_out.empty() || out.size() != scores.size() || scores.empty() ||
      !softmax_fits_int64(p)) {
    return softmax_row_ref(scores, p, out, exp_out, e16_out);
  }
  thread_local std::vector<std::int64_t> e16;
  e16.resize(scores.size());
  if (!softmax_row_i64(scores.data(), scores.size(), p, e16.data(), out.data())) {
    softmax_row_ref(scores, p, out);
  }
}

void softmax_rows(const std::int32_t* scores, std::int64_t rows, std::size_t cols,
                  std::int64_t valid_cols, const SoftmaxParams& p, std::uint8_t* out) {
  validate(p, "softmax");
  if (valid_cols < 0) throw core::Error("softmax: valid_cols must be >= 0");
  const bool fast = softmax_fits_int64(p) && cols > 0;
  const auto stride = static_cast<std::int64_t>(cols);
#pragma omp parallel if (rows * stride >= kMinParallelElements)
  {
    std::vector<std::int32_t> masked(cols);
    std::vector<std::int64_t> e16(cols);
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < rows; ++i) {
      const std::int32_t* row = scores + i * stride;
      if (valid_cols < stride) {
        std::copy(row, row + stride, masked.begin());
        mask_scores_row(masked, valid_cols);
        row = masked.data();
      }
      std::uint8_t* o = out + i * stride;
      if (!fast || !softmax_row_i64(row, cols, p, e16.data(), o)) {
        softmax_row_ref({row, cols}, p, {o, cols});
      }
    }
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
  const std::int64_t cols = scores.dim(1);
  softmax_rows(scores.data(), scores.rows(), static_cast<std::size_t>(cols), cols, p, y.data());
  return y;
}

}  // namespace atl::kernels
