// What a virtual, bypass or comm kernel (plan::CommOp) sends for the messages of its sources,
// as the GMI kernels of Cluster Builder do (reference-system.md §1.7): forward passes source k's
// message to dest k; broadcast copies it to every dest; scatter cuts every row into equal
// chunks, chunk i to dest i (the header to every dest); gather concatenates each row's pieces
// in source order; gather_broadcast gathers, then copies to every dest.
#pragma once

#include <span>
#include <vector>

#include "plan/galapagos.h"
#include "platform/message.h"

namespace atl::platform {

// GatherSend on whole messages: each row's pieces concatenated in source order, source 0's
// header kept (the others dropped). Throws core::Error naming the source whose row count
// differs from source 0's.
Message gather(std::span<const Message> by_source);

// One message per dest, from `in` (one per source, in source order). Throws core::Error when
// the counts do not fit the op (forward: as many sources as dests; broadcast, scatter: one
// source) or a scatter's rows do not split into `dests` equal chunks.
std::vector<Message> comm_outputs(plan::CommOp op, std::vector<Message> in, std::size_t dests);

}  // namespace atl::platform
