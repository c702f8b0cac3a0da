// The Galapagos network bridge (reference-system.md §1.3): a packet that leaves a node is
// preceded by one 64-byte header flit, bits [15:0] = size in flits (TUSER), [23:16] = source
// kernel ID, [31:24] = destination kernel ID, all other bits zero. The receiving bridge strips it
// and restores TID, TDEST and TUSER. This is the byte stream the UDP transport sends, so a
// Galapagos FPGA node can take the place of a software node.
//
// Two atoll additions, all in bits Galapagos leaves zero (a Galapagos bridge ignores them and
// sends zeros, which decode to the Galapagos meaning):
//   - bytes [23:16] carry the last flit's TKEEP (zero = all bytes kept);
//   - bytes [27:24] carry the Galapagos cluster of the destination (Packet::cluster, a signed
//     32-bit little-endian number; zero = cluster 0, the only one a single-cluster plan has).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "platform/packet.h"

namespace atl::platform {

struct BridgeHeader {
  std::uint16_t size = 0;    // payload flits
  std::uint32_t src = 0;     // TID
  std::uint32_t dest = 0;    // TDEST
  std::uint64_t keep = 0;    // last flit's TKEEP; 0 = all kept (what Galapagos sends)
  std::int32_t cluster = 0;  // the destination's Galapagos cluster (Packet::cluster)
  friend bool operator==(const BridgeHeader&, const BridgeHeader&) = default;
};

// Throws core::Error if src or dest do not fit 8 bits (kMaxKernelId).
std::array<std::uint8_t, kFlitBytes> encode_bridge_header(const BridgeHeader& h);
BridgeHeader decode_bridge_header(std::span<const std::uint8_t> flit);

// A packet as it travels between nodes: bridge header flit, then the payload flits.
std::vector<std::uint8_t> to_wire(const Packet& p);
void append_wire(const Packet& p, std::vector<std::uint8_t>& out);

// Parses one packet from `bytes` (exactly one header plus its payload); throws core::Error
// naming `where` when the bytes are truncated, the size field disagrees with the length, or
// the packet is malformed.
Packet from_wire(std::span<const std::uint8_t> bytes, const std::string& where);

}  // namespace atl::platform
