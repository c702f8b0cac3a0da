// What `atoll build` refuses before writing anything, because Vitis HLS could not honour it or
// the generated hardware would misroute (issue 11, "Bad input"). Each check throws core::Error
// with one line naming the cluster, the kernel and the value:
//
// - knobs (invalid_input): every knob divides the width it splits (graph/knob_rules.h); a stage
//   on AI Engines (knob aie, `atoll map --aie`) is unsupported: no AIE graphs are generated;
// - DSPs (does_not_fit): a kernel needs at most the DSPs of its board. Counted as the cost model
//   counts them (cost::kernel_cost, docs/cost-model.md: a linear's tile * pe * 64 and an
//   attention matmul's pe * head width int8 MACs per cycle over the catalogue's
//   dsp.int8_macs_per_cycle, the 32-bit multipliers of the element-wise stages at their
//   unroll), against the catalogue's resources.dsp of the board;
// - stage lists (unsupported): a compute kernel's stage list must be one a wrapper implements
//   (codegen/top_cpp.h, wrapper_of);
// - remote dests (unsupported): a packet to another cluster leaves with TDEST = that cluster's
//   index (Cluster Builder's GMISkew), one to the host with TDEST 255 (kernels/hls/beat.h), so a
//   kernel may not also send to a local kernel whose ID equals that TDEST: the csim gateway,
//   which tells remote from local by the plan, could not route the two apart.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codegen/cluster_view.h"
#include "graph/graph.h"
#include "hw/device.h"
#include "plan/plan.h"

namespace atl::codegen {

// The catalogue's entry for the board of plan node `node` (the plan's copy of a device is not
// what hardware is built for). Throws core::Error naming the node when the board is missing.
const hw::Device& catalogue_device(const plan::Plan& plan, int node,
                                   const hw::Catalogue& catalogue);

// All these checks on every kernel of the cluster; `catalogue` holds every board of `view`.
void check_buildable(const plan::Plan& plan, const ClusterView& view,
                     const hw::Catalogue& catalogue);

}  // namespace atl::codegen
