// Printing a plan: the per-FPGA table, the knobs per role and the estimate line, shared by
// `atoll map` and `atoll demo`.
#pragma once

#include <string>

#include "cost/estimate.h"
#include "graph/graph.h"
#include "plan/plan.h"

namespace atl::cli {

// One row per node: board, DSP/LUT/BRAM/URAM use in %, cycles per token, its kernels.
void print_plan(const plan::Plan& p);

// The knobs of every role, e.g. "ffn1  x3  linear tile 6 pe 4 | gelu unroll 4 | ...".
void print_knobs(const graph::Graph& g);

void print_estimate(const std::string& label, const cost::Estimate& e);

}  // namespace atl::cli
