// The Galapagos beat: one 512-bit AXI-Stream transfer as the generated kernels see it, and the
// wire format they speak (platform/flit.h, packet.h and message.h are the specification; the
// software nodes send exactly these packets):
//
//   Beat = ap_axiu<512, 16, 8, 8>   TDATA 64 bytes (byte i = data bits [8i+7, 8i]), TKEEP and
//                                   TSTRB 64 bits, TUSER 16 bits = the packet's size in flits,
//                                   TLAST, TID = the sending kernel's ID, TDEST = the receiver.
//   packet   the beats from one TLAST to the next, all with the same TUSER, TID and TDEST;
//            TKEEP is all ones except on the last beat, where it marks the valid low bytes
//            (keep_for(bytes)); TSTRB equals TKEEP.
//   message  one sequence from one sender to one receiver: one packet per row; the first packet
//            starts with a header flit (bytes 0-3 rows, 4-7 cols, 8-11 valid rows, little
//            endian, the rest zero), so its TUSER is one larger. A zero-row message is the header
//            flit alone (TKEEP all ones). Row values are little-endian (int32: 4 bytes).
//
// Leaving the cluster. A packet for a kernel of another Galapagos cluster is skewed as Cluster
// Builder's GMISkew does it (src/modules.hpp): byte 0 = the receiving (virtual) kernel's ID, the
// packet's bytes shifted up by one, one more beat (TUSER + 1, the last beat holding the byte
// shifted out of the old last beat), TKEEP of the last beat unchanged, TID = the sender, and
// TDEST = the destination cluster's index (Cluster Builder's config_t::dest). The network (in
// the csim, the harness) carries it to that cluster's kernel 0, whose PacketDecoder reads byte 0
// and shifts the packet back (platform::gmi_skew / gmi_decode on whole packets).
//
// To the host. A packet for the host is skewed the same way (byte 0 = the host address's ID in
// the plan, as the software nodes skew it) and marked TDEST = kHostDest (255), which is never a
// cluster index: the gateway hands it to the host. Packets from the host arrive skewed at kernel
// 0 like any from another cluster, with TID 0 (the host has no kernel ID; platform/ports.h).
//
// So a kernel's own packets go out as: TDEST = the dest's ID when the dest is in the kernel's
// cluster, else the dest cluster's index (or 255) with the skew; the harness tells the two apart
// from the plan (h2's generator refuses a kernel whose remote cluster index equals the ID of one
// of its local dests).
//
// C++14, HLS-safe (docs/kernels.md, "HLS style"): <ap_axi_sdata.h> and <hls_stream.h> are
// Vitis HLS's, or the shim's (kernels/hls/shim/) in the C simulation.
#pragma once

#include <ap_axi_sdata.h>
#include <hls_stream.h>

#include <cstdint>

#include "kernels/hls/stream.h"

namespace atl {
namespace kernels {
namespace hls {

using Beat = ap_axiu<512, 16, 8, 8>;
using BeatStream = ::hls::stream<Beat>;

constexpr int kBeatBytes = 64;
constexpr unsigned kHostDest = 255;  // TDEST of a packet for the host
constexpr unsigned kHostTid = 0;     // TID of a packet from the host
constexpr int kHostCluster = -1;     // the cluster of the host's address in parameters.hpp

// A message's header flit.
struct Header {
  std::uint32_t rows;
  std::uint32_t cols;
  std::uint32_t valid_rows;
};

// Byte i (0..63) of a beat's TDATA.
inline std::uint8_t beat_byte(const Beat& b, int i) {
  return static_cast<std::uint8_t>(b.data.range(8 * i + 7, 8 * i));
}

// Beats a payload of `bytes` takes (at least one).
constexpr int flits_for(int bytes) {
  return bytes <= 0 ? 1 : (bytes + kBeatBytes - 1) / kBeatBytes;
}

// TKEEP of the last beat of a `bytes`-byte payload (all ones when it fills the beat).
constexpr std::uint64_t keep_for(int bytes) {
  return bytes % kBeatBytes == 0 && bytes != 0 ? ~std::uint64_t{0}
                                               : (std::uint64_t{1} << (bytes % kBeatBytes)) - 1;
}

// Valid bytes marked by a last beat's TKEEP (a run of low ones).
inline int kept_bytes(std::uint64_t keep) {
  int n = 0;
  for (int i = 0; i < kBeatBytes; ++i) {
    ATL_HLS(HLS UNROLL)
    n += static_cast<int>((keep >> i) & 1);
  }
  return n;
}

inline std::uint32_t get_u32(const std::uint8_t* at) {
  return static_cast<std::uint32_t>(at[0]) | (static_cast<std::uint32_t>(at[1]) << 8) |
         (static_cast<std::uint32_t>(at[2]) << 16) | (static_cast<std::uint32_t>(at[3]) << 24);
}
inline void put_u32(std::uint8_t* at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// The header flit's bytes (64, zero after byte 11) and back.
inline void encode_header(const Header& h, std::uint8_t* flit) {
  for (int i = 0; i < kBeatBytes; ++i) flit[i] = 0;
  put_u32(flit, h.rows);
  put_u32(flit + 4, h.cols);
  put_u32(flit + 8, h.valid_rows);
}
inline Header decode_header(const std::uint8_t* flit) {
  Header h;
  h.rows = get_u32(flit);
  h.cols = get_u32(flit + 4);
  h.valid_rows = get_u32(flit + 8);
  return h;
}

}  // namespace hls
}  // namespace kernels
}  // namespace atl
