// kern_<id>/parameters.hpp: what one IP of a bundle is, as Cluster Builder's generated
// parameters.hpp carries it (python_scripts/modules.py: a struct of `static const unsigned`
// per core, with id, dest, dimensions and knobs), in atoll's own layout:
//
// - struct kern_<id>_params: id, cluster, layer, kind, op, and the addresses it sends to
//   (dest_<i>, in Cluster Builder's order) and receives from (src_<i>: the kernels that do send
//   to it, codegen/senders.h), each with its cluster (-1 is the host);
// - compute kernels: one struct per stage, kern_<id>_<stage>_<i>, with M, K, NUM_TILE, NUM_PE,
//   UNROLL_FACTOR (graph/graph.h says what M and K are for each stage type), plus the kernel's
//   head, part and row bytes;
// - kernel 0: one struct virtual_<id>_params per virtual kernel it serves, and base_id /
//   num_virtual (Cluster Builder's PacketDecoder: op code = port - base_id).
//
// The header compiles as C++11 (Vivado HLS) and includes nothing.
#pragma once

#include <string>

#include "codegen/cluster_view.h"
#include "plan/galapagos.h"
#include "plan/plan.h"

namespace atl::codegen {

std::string parameters_hpp(const plan::Plan& plan, const ClusterView& view,
                           const plan::GalapagosKernel& kernel);

}  // namespace atl::codegen
