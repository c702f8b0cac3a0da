// How many bytes a row of a kernel's messages holds, for the buffers of the generated comm,
// bypass and virtual kernels (parameters.hpp's in_row_bytes): a compute kernel sends rows of
// its graph kernel's out_bytes_per_token, the host sends input rows (hidden int8 values), and a
// comm kernel sends what its CommOp makes of its sources' rows (platform/comm_kernel.h): forward
// and broadcast pass them on, scatter cuts them into one chunk per dest, gather and
// gather_broadcast join one row of every source.
#pragma once

#include <cstdint>

#include "plan/galapagos.h"
#include "plan/plan.h"

namespace atl::codegen {

// The largest row any source of kernel `k` (of cluster `cluster`) sends. Throws core::Error
// naming the kernel when a source is no kernel of the plan or a scatter's rows do not split.
std::int64_t in_row_bytes(const plan::Plan& plan, int cluster, const plan::GalapagosKernel& k);

}  // namespace atl::codegen
