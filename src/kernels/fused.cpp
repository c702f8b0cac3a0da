#include "kernels/fused.h"

#include <vector>

#include "core/error.h"
#include "kernels/vectorize.h"

namespace atl::kernels {

core::Tensor<std::int8_t> residual_layernorm_act(const core::Tensor<std::int32_t>& x,
                                                 const core::Tensor<std::int8_t>& identity,
                                                 const ResidualActParams& res,
                                                 const LayerNormParams& ln,
                                                 const QuantActParams& act) {
  if (x.rank() != 2 || identity.shape() != x.shape()) {
    throw core::Error("residual_layernorm_act: input " + core::to_string(x.shape()) +
                      " and identity " + core::to_string(identity.shape()) +
                      " must be the same [rows, channels]");
  }
  validate(res.main, x.dim(1), "residual_layernorm_act (m, e)");
  validate(res.identity, x.dim(1), "residual_layernorm_act (m1, e1)");
  validate(ln, x.dim(1), "residual_layernorm_act (layernorm)");
  validate(act, x.dim(1), "residual_layernorm_act (act)");
  const auto n = static_cast<std::size_t>(x.dim(1));
  if (!residual_fits_int64(res, n) || !layernorm_fits_int64(ln) || !fits_int64(act) ||
      act.out_bits > 8) {
    return quant_act<std::int8_t>(layernorm(residual_act(x, identity, res).output, ln), act);
  }
  core::Tensor<std::int8_t> y(x.shape());
  const std::int64_t rows = x.rows();
#pragma omp parallel if (x.size() >= kMinParallelElements)
  {
    std::vector<std::int32_t> sum(n), norm(n), y_int(n);
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < rows; ++i) {
      residual_act_row_i64(x.row(i).data(), identity.row(i).data(), n, res, sum.data());
      if (!layernorm_row_i64(sum.data(), n, ln, norm.data(), y_int.data())) {
        layernorm_row_ref(sum, ln, norm);
      }
      quant_act_row_i64(norm.data(), n, act, y.row(i).data());
    }
  }
  return y;
}

core::Tensor<std::int8_t> gelu_act(const core::Tensor<std::int32_t>& x, const GeluParams& gelu,
                                   const QuantActParams& act) {
  if (x.rank() != 2) {
    throw core::Error("gelu_act: input must be [rows, channels], got " +
                      core::to_string(x.shape()));
  }
  validate(gelu, x.dim(1), "gelu_act (gelu)");
  validate(act, x.dim(1), "gelu_act (act)");
  const auto n = static_cast<std::size_t>(x.dim(1));
  if (!gelu_fits_int64(gelu, n) || !fits_int64(act) || act.out_bits > 8) {
    return quant_act<std::int8_t>(kernels::gelu(x, gelu), act);
  }
  core::Tensor<std::int8_t> y(x.shape());
  const std::int64_t rows = x.rows();
#pragma omp parallel if (x.size() >= kMinParallelElements)
  {
    std::vector<std::int32_t> g(n);
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < rows; ++i) {
      gelu_row_i64(x.row(i).data(), n, gelu, g.data());
      quant_act_row_i64(g.data(), n, act, y.row(i).data());
    }
  }
  return y;
}

}  // namespace atl::kernels
