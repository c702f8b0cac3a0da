#include "kernels/identity_add.h"

#include <string>
#include <vector>

#include "core/dyadic.h"
#include "core/error.h"
#include "kernels/hls/residual_act.h"
#include "kernels/vectorize.h"

namespace atl::kernels {
namespace {

void check_row(std::size_t n, std::size_t identity, const QuantActParams& p, std::size_t out,
               std::size_t out1) {
  if (identity != n || out != n || (out1 != 0 && out1 != n)) {
    throw core::Error("identity_add_row: input has " + std::to_string(n) + " channels, identity " +
                      std::to_string(identity) + ", output " + std::to_string(out) +
                      "; all must match");
  }
  if (p.e.size() != p.m.size() || (p.m.size() != 1 && p.m.size() != n)) {
    throw core::Error("identity_add_row: m1/e1 have " + std::to_string(p.m.size()) +
                      " values, expected 1 or " + std::to_string(n));
  }
}

bool fast(const QuantActParams& p) {
  return fits_int64(p) && p.out_bits <= 32;
}

// The 64-bit path for one row (fast(p), sizes checked): the identity widened to int32 and
// requantised by the QuantAct row function into `scratch`, then added in int64 and saturated.
ATL_VECTOR_CLONES void add_saturating(const std::int32_t* x, const std::int32_t* b, std::size_t n,
                                      std::int32_t* out) {
  constexpr std::int64_t lo = INT32_MIN, hi = INT32_MAX;
  for (std::size_t c = 0; c < n; ++c) {
    const std::int64_t s = static_cast<std::int64_t>(x[c]) + b[c];
    out[c] = static_cast<std::int32_t>(s < lo ? lo : (s > hi ? hi : s));
  }
}

void row_i64(const std::int32_t* x, const std::int8_t* identity, std::size_t n,
             const QuantActParams& p, std::int32_t* out, std::vector<std::int32_t>& scratch) {
  scratch.assign(identity, identity + n);
  quant_act_row_i64(scratch.data(), n, p, scratch.data());
  add_saturating(x, scratch.data(), n, out);
}

}  // namespace

void identity_add_row_ref(std::span<const std::int32_t> x, std::span<const std::int8_t> identity,
                          const QuantActParams& p, std::span<std::int32_t> out,
                          std::span<std::int32_t> out1) {
  check_row(x.size(), identity.size(), p, out.size(), out1.size());
  const hls::QuantActConsts q = consts(p);
  const auto n = static_cast<int>(x.size());
  if (out1.empty()) {
    hls::ConstArrayStream<std::int32_t, 1> in{x.data()};
    hls::ConstArrayStream<std::int8_t, 1> in_id{identity.data()};
    hls::ArrayStream<std::int32_t, 1> o{out.data()};
    return hls::identity_add<1>(in, in_id, o, 1, n, q);
  }
  for (int c = 0; c < n; ++c) {
    out1[c] = core::saturate_int32(hls::quant_act_value(identity[c], q, c));
    out[c] = hls::identity_add_value(x[c], identity[c], q, c);
  }
}

void identity_add_row(std::span<const std::int32_t> x, std::span<const std::int8_t> identity,
                      const QuantActParams& p, std::span<std::int32_t> out) {
  check_row(x.size(), identity.size(), p, out.size(), 0);
  if (!fast(p)) return identity_add_row_ref(x, identity, p, out);
  std::vector<std::int32_t> scratch;
  row_i64(x.data(), identity.data(), x.size(), p, out.data(), scratch);
}

core::Tensor<std::int32_t> identity_add(const core::Tensor<std::int32_t>& x,
                                        const core::Tensor<std::int8_t>& identity,
                                        const QuantActParams& p) {
  if (x.rank() != 2 || identity.shape() != x.shape()) {
    throw core::Error("identity_add: input " + core::to_string(x.shape()) + " and identity " +
                      core::to_string(identity.shape()) + " must be the same [rows, channels]");
  }
  validate(p, x.dim(1), "identity_add (m1, e1)");
  core::Tensor<std::int32_t> out(x.shape());
  const auto n = static_cast<std::size_t>(x.dim(1));
  if (!fast(p)) {
    for (std::int64_t i = 0; i < x.rows(); ++i) {
      identity_add_row_ref(x.row(i), identity.row(i), p, out.row(i));
    }
    return out;
  }
#pragma omp parallel if (x.size() >= kMinParallelElements)
  {
    std::vector<std::int32_t> scratch(n);
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < x.rows(); ++i) {
      row_i64(x.row(i).data(), identity.row(i).data(), n, p, out.row(i).data(), scratch);
    }
  }
  return out;
}

core::Tensor<std::int8_t> identity_add_layernorm_act(std::span<const std::int32_t> x,
                                                     const core::Tensor<std::int8_t>& identity,
                                                     const QuantActParams& identity_act,
                                                     const LayerNormParams& ln,
                                                     const QuantActParams& act) {
  if (identity.rank() != 2 || static_cast<std::int64_t>(x.size()) != identity.size()) {
    throw core::Error("identity_add_layernorm_act: input has " + std::to_string(x.size()) +
                      " values, identity shape " + core::to_string(identity.shape()) +
                      "; expected one value per identity element");
  }
  const std::int64_t rows = identity.rows(), cols = identity.dim(1);
  validate(identity_act, cols, "identity_add_layernorm_act (m1, e1)");
  validate(ln, cols, "identity_add_layernorm_act (layernorm)");
  validate(act, cols, "identity_add_layernorm_act (act)");
  const auto n = static_cast<std::size_t>(cols);
  if (!fast(identity_act) || !layernorm_fits_int64(ln) || !fits_int64(act) || act.out_bits > 8) {
    const core::Tensor<std::int32_t> xt(identity.shape(), {x.begin(), x.end()});
    return quant_act<std::int8_t>(layernorm(identity_add(xt, identity, identity_act), ln), act);
  }
  core::Tensor<std::int8_t> y(identity.shape());
#pragma omp parallel if (identity.size() >= kMinParallelElements)
  {
    std::vector<std::int32_t> scratch(n), sum(n), norm(n), y_int(n);
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < rows; ++i) {
      row_i64(x.data() + i * cols, identity.row(i).data(), n, identity_act, sum.data(), scratch);
      if (!layernorm_row_i64(sum.data(), n, ln, norm.data(), y_int.data())) {
        layernorm_row_ref(sum, ln, norm);
      }
      quant_act_row_i64(norm.data(), n, act, y.row(i).data());
    }
  }
  return y;
}

}  // namespace atl::kernels
