// Concat: per-head outputs [rows, d_h] joined along the channel axis in head order,
//     out[i][h * d + t] = head_h[i][t]
// (the Gather of the 12 heads before self_attention/act_out). Pure data movement.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/tensor.h"

namespace atl::kernels {

// One row: the heads' row i, concatenated into out (sizes must add up).
template <class T>
void concat_row(const std::vector<std::span<const T>>& head_rows, std::span<T> out) {
  std::size_t at = 0;
  for (const auto& h : head_rows) {
    if (at + h.size() > out.size()) break;
    for (std::size_t t = 0; t < h.size(); ++t) out[at + t] = h[t];
    at += h.size();
  }
  std::size_t total = 0;
  for (const auto& h : head_rows) total += h.size();
  if (total != out.size()) {
    throw core::Error("concat_row: heads hold " + std::to_string(total) +
                      " values, output row has " + std::to_string(out.size()));
  }
}

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
  std::vector<std::span<const T>> parts(heads.size());
  for (std::int64_t i = 0; i < rows; ++i) {
    for (std::size_t h = 0; h < heads.size(); ++h) parts[h] = heads[h].row(i);
    concat_row<T>(parts, out.row(i));
  }
  return out;
}

}  // namespace atl::kernels
