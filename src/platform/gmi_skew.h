// How a packet crosses Galapagos clusters (reference-system.md §1.7, "virtual kernels"): a
// kernel whose destination is a virtual kernel of another cluster ends in Cluster Builder's
// GMISkew stage (src/modules.hpp), which writes the virtual kernel's ID into byte 0 of the
// packet, shifts the payload up by one byte (one more flit, TUSER + 1) and sends it to the
// other cluster; there kernel 0's PacketDecoder reads byte 0, shifts the payload back and hands
// the packet to that virtual kernel.
//
// Where the real GMISkew writes the destination cluster's index into TDEST, leaving it to a
// gateway outside the published code to reach that cluster's kernel 0, the software nodes are
// that gateway: a skewed packet carries TDEST = 0 (kernel 0, its receiver) and
// Packet::cluster = the destination cluster. TID stays the sender's ID and TKEEP passes through
// unchanged, so decoding restores the packet exactly.
#pragma once

#include <string>

#include "plan/galapagos.h"
#include "platform/packet.h"

namespace atl::platform {

// GMISkew: `p` (sent by a kernel of one cluster) addressed to virtual kernel `to` of another
// cluster (or to the host, plan::GalapagosAddress::kHost).
Packet gmi_skew(const Packet& p, plan::GalapagosAddress to);

// PacketDecoder: the packet as the virtual kernel named in its byte 0 receives it (TDEST = that
// ID). Throws core::Error naming `where` unless `p` is a skewed packet (two flits at least).
Packet gmi_decode(const Packet& p, const std::string& where);

}  // namespace atl::platform
