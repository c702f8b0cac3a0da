#include "kernels/residual_act.h"

#include <cstdint>
#include <string>
#include <vector>

#include "core/dyadic.h"
#include "core/error.h"
#include "kernels/hls/residual_act.h"
#include "kernels/vectorize.h"

namespace atl::kernels {

namespace {

void check_row(std::size_t n, std::size_t identity, const ResidualActParams& p, std::size_t out,
               std::size_t out0, std::size_t out1) {
  if (identity != n || out != n || (out0 != 0 && out0 != n) || (out1 != 0 && out1 != n)) {
    throw core::Error("residual_act_row: input has " + std::to_string(n) + " channels, identity " +
                      std::to_string(identity) + ", output " + std::to_string(out) +
                      "; all must match");
  }
  if ((p.main.m.size() != 1 && p.main.m.size() != n) ||
      (p.identity.m.size() != 1 && p.identity.m.size() != n) ||
      p.main.e.size() != p.main.m.size() || p.identity.e.size() != p.identity.m.size()) {
    throw core::Error("residual_act_row: m/m1 must have 1 or " + std::to_string(n) + " values");
  }
}

// The 64-bit path (see quant_act.h): both branches fit int64 when fits_int64 holds for both
// parameter sets (the int8 identity is an int32 too), each branch result is below 2^61 in
// magnitude, so their sum is exact in int64 as well. The identity branch is per tensor in
// I-BERT; a per-channel identity table takes the reference path.
template <bool kBranches>
[[gnu::always_inline]] inline void residual_loop(const std::int32_t* x, const std::int8_t* id,
                                                 std::size_t n, const std::int64_t* m, const int* e,
                                                 std::int64_t lo, std::int64_t hi, std::int64_t m1,
                                                 std::int64_t e1, std::int64_t lo1,
                                                 std::int64_t hi1, std::int32_t* out,
                                                 std::int32_t* out0, std::int32_t* out1) {
  constexpr std::int64_t i32_lo = INT32_MIN, i32_hi = INT32_MAX;
  for (std::size_t c = 0; c < n; ++c) {
    const std::int64_t p = static_cast<std::int64_t>(x[c]) * int32_value(m[c]);  // |m| < 2^31
    std::int64_t a = core::shift_round_half_even_i64(p, e[c]);
    a = a < lo ? lo : (a > hi ? hi : a);
    const std::int64_t q = static_cast<std::int64_t>(id[c]) * int32_value(m1);
    std::int64_t b = core::shift_round_half_even_i64(q, e1);
    b = b < lo1 ? lo1 : (b > hi1 ? hi1 : b);
    const std::int64_t sum = a + b;
    out[c] = static_cast<std::int32_t>(sum < i32_lo ? i32_lo : (sum > i32_hi ? i32_hi : sum));
    if constexpr (kBranches) {
      out0[c] = static_cast<std::int32_t>(a < i32_lo ? i32_lo : (a > i32_hi ? i32_hi : a));
      out1[c] = static_cast<std::int32_t>(b < i32_lo ? i32_lo : (b > i32_hi ? i32_hi : b));
    }
  }
}

ATL_VECTOR_CLONES void residual_row_i64(const std::int32_t* x, const std::int8_t* id, std::size_t n,
                                        const std::int64_t* m, const int* e, std::int64_t lo,
                                        std::int64_t hi, std::int64_t m1, std::int64_t e1,
                                        std::int64_t lo1, std::int64_t hi1, std::int32_t* out,
                                        std::int32_t* out0, std::int32_t* out1) {
  if (out0 == nullptr) {
    return residual_loop<false>(x, id, n, m, e, lo, hi, m1, e1, lo1, hi1, out, out0, out1);
  }
  residual_loop<true>(x, id, n, m, e, lo, hi, m1, e1, lo1, hi1, out, out0, out1);
}

std::int64_t max_of(int bits) {
  return bits >= 64 ? INT64_MAX : (std::int64_t{1} << (bits - 1)) - 1;
}

// out0/out1 are both n long or both null.
void residual_fast(std::span<const std::int32_t> x, std::span<const std::int8_t> identity,
                   const ResidualActParams& p, std::int32_t* out, std::int32_t* out0,
                   std::int32_t* out1) {
  const std::int64_t hi = max_of(p.main.out_bits), hi1 = max_of(p.identity.out_bits);
  residual_row_i64(x.data(), identity.data(), x.size(), p.main.m.data(), p.main.e.data(), -hi - 1,
                   hi, p.identity.m[0], p.identity.e[0], -hi1 - 1, hi1, out, out0, out1);
}

}  // namespace

bool residual_fits_int64(const ResidualActParams& p, std::size_t n) {
  return p.identity.m.size() == 1 && p.main.m.size() == n && fits_int64(p.main) &&
         fits_int64(p.identity);
}

void residual_act_row_i64(const std::int32_t* x, const std::int8_t* identity, std::size_t n,
                          const ResidualActParams& p, std::int32_t* out) {
  residual_fast({x, n}, {identity, n}, p, out, nullptr, nullptr);
}

void residual_act_row_ref(std::span<const std::int32_t> x, std::span<const std::int8_t> identity,
                          const ResidualActParams& p, std::span<std::int32_t> out,
                          std::span<std::int32_t> out0, std::span<std::int32_t> out1) {
  check_row(x.size(), identity.size(), p, out.size(), out0.size(), out1.size());
  const hls::QuantActConsts main = consts(p.main), id = consts(p.identity);
  const auto n = static_cast<int>(x.size());
  if (out0.empty() && out1.empty()) {
    hls::ConstArrayStream<std::int32_t, 1> in{x.data()};
    hls::ConstArrayStream<std::int8_t, 1> in_id{identity.data()};
    hls::ArrayStream<std::int32_t, 1> o{out.data()};
    return hls::residual_act<1>(in, in_id, o, 1, n, main, id);
  }
  for (int c = 0; c < n; ++c) {
    const hls::ResidualValue v = hls::residual_value(x[c], identity[c], main, id, c);
    if (!out0.empty()) out0[c] = core::saturate_int32(v.main);
    if (!out1.empty()) out1[c] = core::saturate_int32(v.identity);
    out[c] = v.sum;
  }
}

void residual_act_row(std::span<const std::int32_t> x, std::span<const std::int8_t> identity,
                      const ResidualActParams& p, std::span<std::int32_t> out,
                      std::span<std::int32_t> out0, std::span<std::int32_t> out1) {
  check_row(x.size(), identity.size(), p, out.size(), out0.size(), out1.size());
  if (!residual_fits_int64(p, x.size()) || out0.empty() != out1.empty()) {
    return residual_act_row_ref(x, identity, p, out, out0, out1);
  }
  residual_fast(x, identity, p, out.data(), out0.empty() ? nullptr : out0.data(),
                out1.empty() ? nullptr : out1.data());
}

ResidualActResult residual_act(const core::Tensor<std::int32_t>& x,
                               const core::Tensor<std::int8_t>& identity,
                               const ResidualActParams& p) {
  if (x.rank() != 2 || identity.shape() != x.shape()) {
    throw core::Error("residual_act: input " + core::to_string(x.shape()) + " and identity " +
                      core::to_string(identity.shape()) + " must be the same [rows, channels]");
  }
  validate(p.main, x.dim(1), "residual_act (m, e)");
  validate(p.identity, x.dim(1), "residual_act (m1, e1)");
  ResidualActResult r{core::Tensor<std::int32_t>(x.shape()), core::Tensor<std::int32_t>(x.shape()),
                      core::Tensor<std::int32_t>(x.shape())};
  const std::int64_t rows = x.rows();
  if (!residual_fits_int64(p, static_cast<std::size_t>(x.dim(1)))) {
    for (std::int64_t i = 0; i < rows; ++i) {
      residual_act_row_ref(x.row(i), identity.row(i), p, r.output.row(i), r.output0.row(i),
                           r.output1.row(i));
    }
    return r;
  }
#pragma omp parallel for schedule(static) if (x.size() >= kMinParallelElements)
  for (std::int64_t i = 0; i < rows; ++i) {
    residual_fast(x.row(i), identity.row(i), p, r.output.row(i).data(), r.output0.row(i).data(),
                  r.output1.row(i).data());
  }
  return r;
}

}  // namespace atl::kernels
