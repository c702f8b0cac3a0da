#include "kernels/softmax_matmul.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace atl::kernels {

void softmax_matmul_row(std::span<const std::uint8_t> p_row, const core::Tensor<std::int8_t>& v,
                        std::span<std::int32_t> out) {
  if (v.rank() != 2 || static_cast<std::int64_t>(p_row.size()) != v.dim(0) ||
      static_cast<std::int64_t>(out.size()) != v.dim(1)) {
    throw core::Error("softmax_matmul_row: p row has " + std::to_string(p_row.size()) +
                      " elements, v shape " + core::to_string(v.shape()) + ", output " +
                      std::to_string(out.size()) + "; expected p [cols], v [cols, d], out [d]");
  }
  const std::int64_t d = v.dim(1);
  std::fill(out.begin(), out.end(), 0);
  for (std::int64_t j = 0; j < v.dim(0); ++j) {
    const std::int32_t pj = p_row[static_cast<std::size_t>(j)];
    if (pj == 0) continue;
    const std::int8_t* vj = v.data() + j * d;
    for (std::int64_t t = 0; t < d; ++t) {
      out[static_cast<std::size_t>(t)] += pj * static_cast<std::int32_t>(vj[t]);
    }
  }
}

core::Tensor<std::int32_t> softmax_matmul(const core::Tensor<std::uint8_t>& p,
                                          const core::Tensor<std::int8_t>& v) {
  if (p.rank() != 2 || v.rank() != 2 || p.dim(1) != v.dim(0)) {
    throw core::Error("softmax_matmul: p " + core::to_string(p.shape()) + " and v " +
                      core::to_string(v.shape()) + " must be [rows, cols] and [cols, d]");
  }
  core::Tensor<std::int32_t> o({p.dim(0), v.dim(1)});
  for (std::int64_t i = 0; i < p.dim(0); ++i) softmax_matmul_row(p.row(i), v, o.row(i));
  return o;
}

}  // namespace atl::kernels
