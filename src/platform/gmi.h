// GMI, the Galapagos Messaging Interface (reference-system.md §1.7), on whole messages: the
// collectives produce packets in the exact order the HLS kernels put them on the wire, and
// assemble messages the way GatherSend / ReduceSend do.
//
// On the FPGAs each collective is its own small kernel; on the software nodes the sending half
// (bcast, scatter) runs in the producer's task and the receiving half (gather, reduce) in the
// consumer's, which moves the same packets without an extra hop. Barrier is provided by the
// transports (transport.h), since it synchronises nodes rather than kernels.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "platform/message.h"

namespace atl::platform {

// One child of a fan-out: bytes [offset, offset + bytes) of every row go to kernel `dest`.
struct Chunk {
  std::uint32_t dest = 0;
  std::size_t offset = 0;
  std::size_t bytes = 0;
  friend bool operator==(const Chunk&, const Chunk&) = default;
};

// Throws core::Error unless every chunk lies inside a row of `m`.
void check_fan_out(const Message& m, std::span<const Chunk> children);

// What one child of a fan-out receives: its chunk of every row, the header in the first packet
// (GMI scatter sends the header to every child); a message of zero rows is the header alone.
// A child's packets are in the same order as in fan_out; only the interleaving between
// children differs, and each child has its own stream.
std::vector<Packet> chunk_packets(const Message& m, std::uint32_t src, const Chunk& child);

// All packets of a fan-out in wire order: row r reaches child 0, 1, ... before row r + 1
// leaves. Throws core::Error when a chunk overruns the row.
std::vector<Packet> fan_out(const Message& m, std::uint32_t src, std::span<const Chunk> children);

// send: the whole message to one kernel.
std::vector<Packet> send(const Message& m, std::uint32_t src, std::uint32_t dest);
// bcast: every row to every child; store-and-replay, so row r reaches child 0, 1, ... before
// row r + 1 leaves.
std::vector<Packet> bcast(const Message& m, std::uint32_t src,
                          std::span<const std::uint32_t> children);
// scatter: row chunk k (of `chunk_bytes` bytes, GMI's flit_num * 64) to child k; the header to
// every child. The row must be exactly children.size() chunks.
std::vector<Packet> scatter(const Message& m, std::uint32_t src,
                            std::span<const std::uint32_t> children, std::size_t chunk_bytes);

// gather: messages in source-ID order; keeps source 0's header and concatenates each row's
// pieces in source order. Throws core::Error naming the source when row counts differ.
Message gather(std::span<const Message> by_source);

// reduce: element-wise wrapping sum, flit by flit, of 64 int8 lanes (Lanes::i8, the Cluster
// Builder ReduceSend) or 16 int32 lanes; source 0's header is kept, the others dropped.
enum class Lanes { i8, i32 };
Message reduce(std::span<const Message> by_source, Lanes lanes);

}  // namespace atl::platform
