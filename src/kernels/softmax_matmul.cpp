#include "kernels/softmax_matmul.h"

#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/hls/matmul.h"

namespace atl::kernels {

void softmax_matmul_row(std::span<const std::uint8_t> p_row, const core::Tensor<std::int8_t>& v,
                        std::span<std::int32_t> out) {
  if (v.rank() != 2 || static_cast<std::int64_t>(p_row.size()) != v.dim(0) ||
      static_cast<std::int64_t>(out.size()) != v.dim(1)) {
    throw core::Error("softmax_matmul_row: p row has " + std::to_string(p_row.size()) +
                      " elements, v shape " + core::to_string(v.shape()) + ", output " +
                      std::to_string(out.size()) + "; expected p [cols], v [cols, d], out [d]");
  }
  std::vector<std::uint8_t> p_buf(p_row.size());
  hls::ConstArrayStream<std::uint8_t, 1> ps{p_row.data()};
  hls::ArrayStream<std::int32_t, 1> os{out.data()};
  hls::softmax_matmul<1>(ps, os, 1, static_cast<int>(v.dim(0)), static_cast<int>(v.dim(1)),
                         v.data(), p_buf.data());
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
