// Concat: per-head outputs [rows, d_h] joined along the channel axis in head order,
//     out[i][h * d + t] = head_h[i][t]
// (the Gather of the 12 heads before self_attention/act_out). Pure data movement, by the HLS
// definition (kernels/hls/matmul.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"
#include "kernels/hls/matmul.h"

namespace atl::kernels {

// heads: H tensors [rows, d_h] with equal row counts -> [rows, sum d_h].
template <class T>
core::Tensor<T> concat(const std::vector<core::Tensor<T>>& heads) {
  if (heads.empty()) throw core::Error("concat: no heads");
  const std::int64_t rows = heads[0].rank() == 2 ? heads[0].dim(0) : -1;
  std::int64_t cols = 0;
  for (std::size_t h = 0; h < heads.size(); ++h) {
    if (heads[h].rank() != 2 || heads[h].dim(0) != rows) {
      throw core::Error("concat: head " + std::to_string(h) + " has shape " +
                        core::to_string(heads[h].shape()) + ", expected [" + std::to_string(rows) +
                        ", d]");
    }
    cols += heads[h].dim(1);
  }
  core::Tensor<T> out({rows, cols});
  // The HLS definition (kernels/hls/matmul.h), one value per stream element.
  std::vector<hls::ConstArrayStream<T, 1>> in;
  std::vector<int> widths;
  for (const auto& h : heads) {
    in.push_back({h.data()});
    widths.push_back(static_cast<int>(h.dim(1)));
  }
  hls::ArrayStream<T, 1> o{out.data()};
  hls::concat<1>(in.data(), widths.data(), static_cast<int>(heads.size()), o,
                 static_cast<int>(rows));
  return out;
}

}  // namespace atl::kernels
