// The flit: one 512-bit beat of a Galapagos AXI-Stream (reference-system.md §1.3). TDATA is 64
// bytes; TKEEP marks the valid bytes; TLAST ends a packet; TDEST/TID are the destination and
// source kernel IDs; TUSER is the packet's size in flits (the I-BERT / Cluster Builder
// convention, header flit included).
#pragma once

#include <array>
#include <cstdint>

namespace atl::platform {

inline constexpr std::size_t kFlitBytes = 64;
inline constexpr std::uint64_t kAllKeep = ~std::uint64_t{0};

// Kernel IDs on the wire are Galapagos' 8-bit TDEST and TID: IDs restart in every Galapagos
// cluster (plan::number_galapagos refuses a cluster that needs more), so 8 bits always suffice.
inline constexpr std::uint32_t kMaxKernelId = 0xff;

struct Flit {
  std::array<std::uint8_t, kFlitBytes> data{};
  std::uint64_t keep = kAllKeep;  // bit i: data[i] is valid
  std::uint32_t dest = 0;         // TDEST: receiving kernel ID
  std::uint32_t id = 0;           // TID: sending kernel ID
  std::uint16_t user = 0;         // TUSER: flits in this packet
  bool last = false;              // TLAST: end of packet
  friend bool operator==(const Flit&, const Flit&) = default;
};

// Flits needed for `bytes` payload bytes (at least one: an empty row still takes a beat).
constexpr std::size_t flits_for(std::size_t bytes) {
  return bytes == 0 ? 1 : (bytes + kFlitBytes - 1) / kFlitBytes;
}

// TKEEP of the last flit of a `bytes`-byte payload.
constexpr std::uint64_t last_keep(std::size_t bytes) {
  const std::size_t tail = bytes % kFlitBytes;
  return tail == 0 && bytes != 0 ? kAllKeep : (std::uint64_t{1} << tail) - 1;
}

}  // namespace atl::platform
