// kern_<id>/parameters.hpp: what one IP of a bundle is, as Cluster Builder's generated
// parameters.hpp carries it (python_scripts/modules.py: a struct of `static const unsigned`
// per core, with id, dest, dimensions and knobs), in atoll's own layout:
//
// - struct kern_<id>_params: id, cluster, layer, kind, op, seq_len, the addresses it sends to
//   (dest_<i>, in Cluster Builder's order) and the kernels that send to it (src_<i>, in the
//   order the software nodes take them: platform::wire, which is Cluster Builder's listed
//   sources except where a list names a kernel that does not send, e.g. the K scatter of the
//   six-FPGA example lists Q's kernel), each with its cluster (-1 is the host), also as
//   functions dest_id(i), dest_cluster(i), src_id(i), src_cluster(i) for the HLS wrappers;
//   compute kernels add head, part, parts and out_row_bytes, comm, bypass and virtual kernels
//   in_row_bytes (the largest row a sender sends);
// - compute kernels: one struct per stage, kern_<id>_<stage>_<i>, with M, K, NUM_TILE, NUM_PE,
//   UNROLL_FACTOR (graph/graph.h says what M and K are for each stage type);
// - kernel 0: one struct virtual_<id>_params per virtual kernel it serves, and base_id /
//   num_virtual (Cluster Builder's PacketDecoder: op code = port - base_id).
//
// Everything is in namespace cluster_<C>. The header compiles as C++11 (Vivado HLS) and
// includes nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "codegen/cluster_view.h"
#include "plan/galapagos.h"
#include "plan/plan.h"
#include "platform/ports.h"

namespace atl::codegen {

// "kern_<id>_<stagetype>_<index>": the struct of one stage of a compute IP.
std::string stage_struct(std::uint32_t id, graph::StageType type, std::size_t index);

// `wiring` is platform::wire of the plan's numbering for seq_len tokens.
std::string parameters_hpp(const plan::Plan& plan, const ClusterView& view,
                           const plan::GalapagosKernel& kernel, const platform::Wiring& wiring);

}  // namespace atl::codegen
