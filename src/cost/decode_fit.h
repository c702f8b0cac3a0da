// What a decoder plan keeps on each node: on-chip resources (with the weights and KV caches the
// memory placement keeps on chip) and off-chip bytes (those it keeps in the board's HBM or DDR).
// Weights and caches on chip count against URAM and BRAM together: a block goes to whichever has
// room. Logic, DSPs and AI Engines are counted once per engine (decode_step.h: the kernels of a
// role on one board share one), memories per kernel (docs/cost-model.md, "Decoders").
#pragma once

#include <cstdint>
#include <vector>

#include "cost/decode_step.h"
#include "hw/cluster.h"
#include "hw/resources.h"

namespace atl::cost {

struct NodeUse {
  hw::Resources on_chip;
  std::int64_t offchip_bytes = 0;
  std::int64_t weights_on_chip = 0, weights_off_chip = 0;  // bytes
  std::int64_t kv_on_chip = 0, kv_off_chip = 0;            // bytes (whole context)
};

std::vector<NodeUse> node_use(const DecodeModel& model, std::size_t nodes);

// Throws core::Error of ErrorKind::does_not_fit naming the node, what it holds and what its
// device offers (100% of the device: the mapper keeps its caps; a plan may go past them) when a
// node's DSPs, LUTs, FFs, on-chip memory (URAM + BRAM) or off-chip memory do not hold its kernels.
void check_decoder_fits(const std::vector<NodeUse>& use, const hw::Cluster& cluster);

}  // namespace atl::cost
