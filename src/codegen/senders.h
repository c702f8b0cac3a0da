// The kernels that send to a kernel of a plan's Galapagos numbering, in the order the generated
// kernels number their sources (the wrappers' input ports; parameters.hpp's src_<i> takes them
// from platform::wire): the software nodes' rule (platform/ports.h). The csim's one-kernel mode
// (codegen/csim.h) sends each input with its source's TID from this list; it needs no wiring of
// the whole plan (which wants a plan that takes input from the host). Cluster Builder's own source
// lists name some kernels that never send (Q for the K scatter) and leave out some that do; they
// only give the order.
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
