#include "report/work.h"

namespace atl::report {

Work work_of(const graph::Graph& graph) {
  Work w;
  const double rows = static_cast<double>(graph.seq_len);
  for (const graph::Kernel& k : graph.kernels) {
    for (const graph::Stage& s : k.stages) {
      switch (s.type) {
        case graph::StageType::linear:
        case graph::StageType::w8a8_linear:
        case graph::StageType::w8a8_partial:
          w.macs += rows * static_cast<double>(s.m * s.k);
          w.weight_bytes += static_cast<double>(s.m * s.k);
          break;
        // Per query row: one head_dim-long dot product per key column (Q.K^T) or per output
        // element (P.V, m = key columns, k = head_dim).
        case graph::StageType::attention_matmul:
        case graph::StageType::softmax_matmul:
          w.macs += rows * static_cast<double>(s.m * s.k);
          break;
        case graph::StageType::decoder_attention:  // both products
          w.macs += 2 * rows * static_cast<double>(s.m * s.k);
          break;
        case graph::StageType::embedding:
          w.weight_bytes += static_cast<double>(s.m * s.k);
          w.embedding_bytes += static_cast<double>(s.m * s.k);
          break;
        default:
          break;
      }
    }
  }
  return w;
}

}  // namespace atl::report
