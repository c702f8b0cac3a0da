// A packet: the flits from one TLAST to the next, all with the same TDEST, TID and TUSER. Kept
// as one contiguous payload (flits * 64 bytes) plus the TKEEP of its last flit, because that is
// what every transport moves and what kernels read; flit(i) gives the AXI-Stream view.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/flit.h"

namespace atl::platform {

struct Packet {
  std::uint32_t dest = 0;  // TDEST
  std::uint32_t id = 0;    // TID
  // The Galapagos cluster whose ID space `dest` belongs to (plan::GalapagosAddress::cluster;
  // kHost for the host). Not an AXI-Stream signal: on the hardware the network address of the
  // destination FPGA implies it; the software nodes route on (cluster, TDEST) and the bridge
  // header carries it in bits Galapagos leaves zero (bridge.h).
  std::int32_t cluster = 0;
  std::uint16_t user = 0;         // TUSER: flit count (== data.size() / 64 in a well-formed packet)
  std::uint64_t keep = kAllKeep;  // TKEEP of the last flit (all others are full)
  std::vector<std::uint8_t> data;  // flit_count() * 64 bytes

  std::size_t flit_count() const { return data.size() / kFlitBytes; }
  // Valid payload bytes: full flits plus the kept bytes of the last one.
  std::size_t payload_bytes() const;
  friend bool operator==(const Packet&, const Packet&) = default;
};

// The i-th flit as it would appear on the AXI-Stream (last set on the final flit).
Flit flit(const Packet& p, std::size_t i);

// Rebuilds a packet from its flits; throws core::Error naming `where` unless the flits form
// exactly one packet (same dest/id/user, TLAST only on the last, full TKEEP before it).
Packet packet_from_flits(const std::vector<Flit>& flits, const std::string& where);

// Throws core::Error naming `where` unless the payload is whole flits, non-empty, TUSER equals
// the flit count and TKEEP is a contiguous run of low bytes.
void validate(const Packet& p, const std::string& where);

}  // namespace atl::platform
