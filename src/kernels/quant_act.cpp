#include "kernels/quant_act.h"

#include "kernels/vectorize.h"

namespace atl::kernels {

void validate(const QuantActParams& p, std::int64_t channels, const std::string& what) {
  if (p.m.empty() || p.m.size() != p.e.size()) {
    throw core::Error(what + ": m has " + std::to_string(p.m.size()) + " values and e has " +
                      std::to_string(p.e.size()) + "; expected the same non-zero count");
  }
  if (p.m.size() != 1 && static_cast<std::int64_t>(p.m.size()) != channels) {
    throw core::Error(what + ": m/e have " + std::to_string(p.m.size()) +
                      " values, expected 1 or " + std::to_string(channels) + " (channels)");
  }
  if (p.out_bits < 2 || p.out_bits > 64) {
    throw core::Error(what + ": out_bits " + std::to_string(p.out_bits) +
                      " outside the supported 2..64");
  }
  for (std::size_t i = 0; i < p.e.size(); ++i) {
    if (p.e[i] < -126 || p.e[i] > 200) {
      throw core::Error(what + ": e[" + std::to_string(i) + "] = " + std::to_string(p.e[i]) +
                        " outside -126..200");
    }
  }
}

}  // namespace atl::kernels

// ---------------------------------------------------------------------------------------------
// 64-bit path. With |x| <= 2^31 and |m| < 2^31 the product fits int64 (|x*m| < 2^62), and for
// 1 <= e <= 62 the round-half-to-even shift of core::shift_round_half_even is exact in int64 as
// core::shift_round_half_even_i64 (shifts, adds and masks, no branch). The loops below have no
// branches per element, so they vectorise (the min/max are the saturation).

namespace atl::kernels {

bool fits_int64(const QuantActParams& p) {
  constexpr std::int64_t limit = std::int64_t{1} << 31;
  if (p.m.size() != p.e.size() || p.m.empty()) return false;
  bool ok = true;
  for (std::size_t i = 0; i < p.m.size(); ++i) {
    ok &= p.m[i] > -limit && p.m[i] < limit && p.e[i] >= 1 && p.e[i] <= 62;
  }
  return ok;
}

namespace {

template <class Out>
[[gnu::always_inline]] inline void requantize_loop(const std::int32_t* x, std::size_t n,
                                                   const std::int64_t* m, const int* e,
                                                   std::int64_t lo, std::int64_t hi, Out* y) {
  for (std::size_t c = 0; c < n; ++c) {
    const std::int64_t p = static_cast<std::int64_t>(x[c]) * int32_value(m[c]);
    std::int64_t r = core::shift_round_half_even_i64(p, e[c]);
    r = r < lo ? lo : r;
    r = r > hi ? hi : r;
    y[c] = static_cast<Out>(r);
  }
}

template <class Out>
[[gnu::always_inline]] inline void requantize_loop_scalar(const std::int32_t* x, std::size_t n,
                                                          std::int64_t m, int e, std::int64_t lo,
                                                          std::int64_t hi, Out* y) {
  const std::int64_t s = e;
  for (std::size_t c = 0; c < n; ++c) {
    const std::int64_t p = static_cast<std::int64_t>(x[c]) * int32_value(m);
    std::int64_t r = core::shift_round_half_even_i64(p, s);
    r = r < lo ? lo : r;
    r = r > hi ? hi : r;
    y[c] = static_cast<Out>(r);
  }
}

ATL_VECTOR_CLONES void row_i8(const std::int32_t* x, std::size_t n, const std::int64_t* m,
                              const int* e, std::int64_t lo, std::int64_t hi, std::int8_t* y) {
  requantize_loop(x, n, m, e, lo, hi, y);
}
ATL_VECTOR_CLONES void row_i32(const std::int32_t* x, std::size_t n, const std::int64_t* m,
                               const int* e, std::int64_t lo, std::int64_t hi, std::int32_t* y) {
  requantize_loop(x, n, m, e, lo, hi, y);
}
ATL_VECTOR_CLONES void row_i8_scalar(const std::int32_t* x, std::size_t n, std::int64_t m, int e,
                                     std::int64_t lo, std::int64_t hi, std::int8_t* y) {
  requantize_loop_scalar(x, n, m, e, lo, hi, y);
}
ATL_VECTOR_CLONES void row_i32_scalar(const std::int32_t* x, std::size_t n, std::int64_t m, int e,
                                      std::int64_t lo, std::int64_t hi, std::int32_t* y) {
  requantize_loop_scalar(x, n, m, e, lo, hi, y);
}

void row_any(const std::int32_t* x, std::size_t n, const QuantActParams& p, std::int8_t* y) {
  const std::int64_t hi = (std::int64_t{1} << (p.out_bits - 1)) - 1;
  if (p.m.size() == 1) return row_i8_scalar(x, n, p.m[0], p.e[0], -hi - 1, hi, y);
  row_i8(x, n, p.m.data(), p.e.data(), -hi - 1, hi, y);
}
void row_any(const std::int32_t* x, std::size_t n, const QuantActParams& p, std::int32_t* y) {
  const std::int64_t hi = (std::int64_t{1} << (p.out_bits - 1)) - 1;
  if (p.m.size() == 1) return row_i32_scalar(x, n, p.m[0], p.e[0], -hi - 1, hi, y);
  row_i32(x, n, p.m.data(), p.e.data(), -hi - 1, hi, y);
}

template <class Out>
void rows_any(const std::int32_t* x, std::int64_t rows, std::size_t n, const QuantActParams& p,
              Out* y) {
  const auto stride = static_cast<std::int64_t>(n);
#pragma omp parallel for schedule(static) if (rows * stride >= kMinParallelElements)
  for (std::int64_t r = 0; r < rows; ++r) row_any(x + r * stride, n, p, y + r * stride);
}

}  // namespace

void quant_act_row_i64(const std::int32_t* x, std::size_t n, const QuantActParams& p,
                       std::int8_t* y) {
  row_any(x, n, p, y);
}
void quant_act_row_i64(const std::int32_t* x, std::size_t n, const QuantActParams& p,
                       std::int32_t* y) {
  row_any(x, n, p, y);
}
void quant_act_rows_i64(const std::int32_t* x, std::int64_t rows, std::size_t n,
                        const QuantActParams& p, std::int8_t* y) {
  rows_any(x, rows, n, p, y);
}
void quant_act_rows_i64(const std::int32_t* x, std::int64_t rows, std::size_t n,
                        const QuantActParams& p, std::int32_t* y) {
  rows_any(x, rows, n, p, y);
}

}  // namespace atl::kernels
