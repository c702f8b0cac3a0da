// The kernels that send to a kernel of a plan's Galapagos numbering, in the order the generated
// kernels number their sources (parameters.hpp's src_<i>, the wrappers' input ports): the
// software nodes' rule (platform/ports.h), so that the hardware expects exactly the packets the
// software nodes send. Cluster Builder's own source lists name some kernels that never send
// (Q for the K scatter) and leave out some that do; they only give the order.
#pragma once

#include <vector>

#include "plan/galapagos.h"
#include "plan/plan.h"

namespace atl::codegen {

// Every kernel (and the host, {kHost, 0}, for the kernel that takes the input) that names
// kernel `k` of cluster `cluster` as a dest: first those `k` lists as sources, in its order,
// then the others in address order.
std::vector<plan::GalapagosAddress> senders(const plan::Plan& plan, int cluster,
                                            const plan::GalapagosKernel& k);

}  // namespace atl::codegen
