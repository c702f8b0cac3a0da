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
  return residual_layernorm_act(std::span<const std::int32_t>(x.values()), identity, res, ln, act);
}

core::Tensor<std::int8_t> residual_layernorm_act(std::span<const std::int32_t> x,
                                                 const core::Tensor<std::int8_t>& identity,
                                                 const ResidualActParams& res,
                                                 const LayerNormParams& ln,
                                                 const QuantActParams& act) {
  if (identity.rank() != 2 || static_cast<std::int64_t>(x.size()) != identity.size()) {
    throw core::Error("residual_layernorm_act: input has " + std::to_string(x.size()) +
                      " values, identity shape " + core::to_string(identity.shape()) +
                      "; expected one value per identity element");
  }
  const std::int64_t rows = identity.rows(), cols = identity.dim(1);
  validate(res.main, cols, "residual_layernorm_act (m, e)");
  validate(res.identity, cols, "residual_layernorm_act (m1, e1)");
  validate(ln, cols, "residual_layernorm_act (layernorm)");
  validate(act, cols, "residual_layernorm_act (act)");
  const auto n = static_cast<std::size_t>(cols);
  if (!residual_fits_int64(res, n) || !layernorm_fits_int64(ln) || !fits_int64(act) ||
      act.out_bits > 8) {
    const core::Tensor<std::int32_t> xt(identity.shape(), {x.begin(), x.end()});
    return quant_act<std::int8_t>(layernorm(residual_act(xt, identity, res).output, ln), act);
  }
  core::Tensor<std::int8_t> y(identity.shape());
#pragma omp parallel if (identity.size() >= kMinParallelElements)
  {
    std::vector<std::int32_t> sum(n), norm(n), y_int(n);
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < rows; ++i) {
      residual_act_row_i64(x.data() + i * cols, identity.row(i).data(), n, res, sum.data());
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
  return gelu_act(std::span<const std::int32_t>(x.values()), x.dim(1), gelu, act);
}

core::Tensor<std::int8_t> gelu_act(std::span<const std::int32_t> x, std::int64_t cols,
                                   const GeluParams& gelu, const QuantActParams& act) {
  if (cols < 1 || static_cast<std::int64_t>(x.size()) % cols != 0) {
    throw core::Error("gelu_act: " + std::to_string(x.size()) + " values are not rows of " +
                      std::to_string(cols) + " channels");
  }
  const std::int64_t rows = static_cast<std::int64_t>(x.size()) / cols;
  validate(gelu, cols, "gelu_act (gelu)");
  validate(act, cols, "gelu_act (act)");
  const auto n = static_cast<std::size_t>(cols);
  if (!gelu_fits_int64(gelu, n) || !fits_int64(act) || act.out_bits > 8) {
    const core::Tensor<std::int32_t> xt({rows, cols}, {x.begin(), x.end()});
    return quant_act<std::int8_t>(kernels::gelu(xt, gelu), act);
  }
  core::Tensor<std::int8_t> y({rows, cols});
#pragma omp parallel if (rows * cols >= kMinParallelElements)
  {
    std::vector<std::int32_t> g(n);
#pragma omp for schedule(static)
    for (std::int64_t i = 0; i < rows; ++i) {
      gelu_row_i64(x.data() + i * cols, n, gelu, g.data());
      quant_act_row_i64(g.data(), n, act, y.row(i).data());
    }
  }
  return y;
}

}  // namespace atl::kernels
