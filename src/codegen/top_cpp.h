// kern_<id>/top.cpp: the IP's top function, `void ATOLL_TOP(BeatStream& in_r, BeatStream&
// out_r)` with ATOLL_TOP = kern_<id> unless the includer defines it (the C simulation compiles
// each IP with -DATOLL_TOP=c<C>_kern_<id>), AXI-Stream ports and no block-level control
// (ap_ctrl_none, as Cluster Builder's IPs), calling the one wrapper of
// kernels/hls/galapagos_kernels.h that the kernel's kind and stage list select (wrapper_of)
// with its parameters.hpp and weights.hpp structs. One call handles one sequence.
#pragma once

#include <string>

#include "codegen/cluster_view.h"
#include "plan/galapagos.h"
#include "plan/plan.h"

namespace atl::codegen {

// The wrapper template for `kernel`: "linear_act_kernel", "comm_kernel", "gmi_kernel", ...
// Throws core::Error (unsupported) naming the kernel when no wrapper implements its stage list.
std::string wrapper_of(const plan::Plan& plan, const ClusterView& view,
                       const plan::GalapagosKernel& kernel);

std::string top_cpp(const plan::Plan& plan, const ClusterView& view,
                    const plan::GalapagosKernel& kernel);

}  // namespace atl::codegen
