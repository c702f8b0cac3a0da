// The work one inference does, counted from the kernel graph: int8 multiply-accumulates of the
// linears and the two attention matmuls, and the weight bytes a device must read once per
// inference when they do not stay on chip. Roofline bounds and AI Engine projections use it.
#pragma once

#include "graph/graph.h"

namespace atl::report {

struct Work {
  double macs = 0;             // per sequence of graph.seq_len tokens
  double weight_bytes = 0;     // int8 weights of the linears (biases and constants left out)
                               // and of the embedding table
  double embedding_bytes = 0;  // of which the embedding table (a token reads one row of it)
};

Work work_of(const graph::Graph& graph);

}  // namespace atl::report
