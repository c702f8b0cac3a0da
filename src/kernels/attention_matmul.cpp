#include "kernels/attention_matmul.h"

#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/hls/matmul.h"

namespace atl::kernels {

void attention_matmul_row(std::span<const std::int8_t> q_row, const core::Tensor<std::int8_t>& k,
                          std::span<std::int32_t> out) {
  if (k.rank() != 2 || static_cast<std::int64_t>(q_row.size()) != k.dim(1) ||
      static_cast<std::int64_t>(out.size()) != k.dim(0)) {
    throw core::Error("attention_matmul_row: q row has " + std::to_string(q_row.size()) +
                      " elements, k shape " + core::to_string(k.shape()) + ", output " +
                      std::to_string(out.size()) + "; expected q [d], k [cols, d], out [cols]");
  }
  std::vector<std::int8_t> q_buf(q_row.size());
  hls::ConstArrayStream<std::int8_t, 1> qs{q_row.data()};
  hls::ArrayStream<std::int32_t, 1> os{out.data()};
  hls::attention_matmul<1, 1>(qs, os, 1, static_cast<int>(k.dim(1)), static_cast<int>(k.dim(0)),
                              k.data(), q_buf.data());
}

core::Tensor<std::int32_t> attention_matmul(const core::Tensor<std::int8_t>& q,
                                            const core::Tensor<std::int8_t>& k) {
  if (q.rank() != 2 || k.rank() != 2 || q.dim(1) != k.dim(1)) {
    throw core::Error("attention_matmul: q " + core::to_string(q.shape()) + " and k " +
                      core::to_string(k.shape()) + " must be [rows, d] and [cols, d]");
  }
  core::Tensor<std::int32_t> s({q.dim(0), k.dim(0)});
  for (std::int64_t i = 0; i < q.dim(0); ++i) attention_matmul_row(q.row(i), k, s.row(i));
  return s;
}

void mask_scores_row(std::span<std::int32_t> row, std::int64_t valid_cols) {
  if (valid_cols < 0) throw core::Error("mask_scores: valid_cols must be >= 0");
  for (std::size_t j = static_cast<std::size_t>(valid_cols); j < row.size(); ++j) {
    row[j] = kMaskedScore;
  }
}

void mask_scores(core::Tensor<std::int32_t>& scores, std::int64_t valid_cols) {
  if (scores.rank() != 2) {
    throw core::Error("mask_scores: scores must be [rows, cols], got " +
                      core::to_string(scores.shape()));
  }
  for (std::int64_t i = 0; i < scores.rows(); ++i) mask_scores_row(scores.row(i), valid_cols);
}

}  // namespace atl::kernels
