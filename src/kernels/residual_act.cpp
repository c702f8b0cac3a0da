#include "kernels/residual_act.h"

#include <string>

#include "core/dyadic.h"
#include "core/error.h"

namespace atl::kernels {

void residual_act_row(std::span<const std::int32_t> x, std::span<const std::int8_t> identity,
                      const ResidualActParams& p, std::span<std::int32_t> out,
                      std::span<std::int32_t> out0, std::span<std::int32_t> out1) {
  const std::size_t n = x.size();
  if (identity.size() != n || out.size() != n || (!out0.empty() && out0.size() != n) ||
      (!out1.empty() && out1.size() != n)) {
    throw core::Error("residual_act_row: input has " + std::to_string(n) + " channels, identity " +
                      std::to_string(identity.size()) + ", output " + std::to_string(out.size()) +
                      "; all must match");
  }
  if ((p.main.m.size() != 1 && p.main.m.size() != n) ||
      (p.identity.m.size() != 1 && p.identity.m.size() != n) ||
      p.main.e.size() != p.main.m.size() || p.identity.e.size() != p.identity.m.size()) {
    throw core::Error("residual_act_row: m/m1 must have 1 or " + std::to_string(n) + " values");
  }
  for (std::size_t c = 0; c < n; ++c) {
    const std::int64_t a = quant_act_value(x[c], p.main, c);
    const std::int64_t b = quant_act_value(identity[c], p.identity, c);
    if (!out0.empty()) out0[c] = core::saturate_to<std::int32_t>(a);
    if (!out1.empty()) out1[c] = core::saturate_to<std::int32_t>(b);
    out[c] = core::saturate_to<std::int32_t>(static_cast<core::i128>(a) + b);
  }
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
  for (std::int64_t i = 0; i < x.rows(); ++i) {
    residual_act_row(x.row(i), identity.row(i), p, r.output.row(i), r.output0.row(i),
                     r.output1.row(i));
  }
  return r;
}

}  // namespace atl::kernels
