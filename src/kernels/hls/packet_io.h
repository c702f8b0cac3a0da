// Packets in and out of a generated kernel, in HLS style (beat.h gives the wire format): read
// one packet's beats into a byte buffer, write a row (with or without the header flit) as one
// packet, skewed for another cluster or not, and keep track of one sender's message.
//
// A packet in a buffer is its raw TDATA bytes, flits * 64 of them (padding included), plus
// TUSER, TKEEP of the last beat, TID and TDEST: exactly what platform::Packet holds. Buffers are
// the caller's (static arrays of the kernel that calls): nothing here keeps state, so kernels
// running in parallel threads of the C simulation share no memory.
#pragma once

#include <cstdint>

#include "kernels/hls/beat.h"
#include "kernels/hls/stream.h"

// A broken stream in the C simulation (a TID nobody sends with, a row of the wrong size, more
// rows than the sequence holds): one line on stderr and exit status 1, as the shim's deadline.
// Synthesis has no such check (the hardware would misbehave instead).
#ifndef __SYNTHESIS__
#include <cstdio>
#include <cstdlib>
#define ATL_CSIM_FAIL(...)                      \
  do {                                          \
    std::fprintf(stderr, "csim: " __VA_ARGS__); \
    std::fputc('\n', stderr);                   \
    std::fflush(stderr);                        \
    std::_Exit(1);                              \
  } while (0)
#else
#define ATL_CSIM_FAIL(...) \
  do {                     \
  } while (0)
#endif

namespace atl {
namespace kernels {
namespace hls {

// Where a packet goes: TDEST, and the ID written into byte 0 when it is skewed (-1: not).
struct Route {
  unsigned tdest;
  int skew_id;
};

// The route from a kernel of cluster `own` to kernel `id` of cluster `cluster` (kHostCluster:
// the host), beat.h's rules.
constexpr Route route_to(int own, unsigned id, int cluster) {
  return cluster == own
             ? Route{id, -1}
             : Route{cluster == kHostCluster ? kHostDest : static_cast<unsigned>(cluster),
                     static_cast<int>(id)};
}

// The kernel a C-simulation failure names: "kernel 5 of cluster 0".
struct Where {
  unsigned cluster;
  unsigned id;
};

// One packet's metadata; its bytes are in the caller's buffer.
struct PacketInfo {
  unsigned tid;
  unsigned tdest;
  int flits;           // TUSER (== beats read)
  std::uint64_t keep;  // TKEEP of the last beat
};

// Valid payload bytes of a packet: full beats plus the kept bytes of the last one.
inline int payload_bytes(const PacketInfo& p) {
  return (p.flits - 1) * kBeatBytes + kept_bytes(p.keep);
}

// Reads one packet (up to TLAST) into buf, which holds max_flits * 64 bytes; `where` names the
// kernel in a C-simulation failure.
inline PacketInfo read_packet(BeatStream& in, std::uint8_t* buf, int max_flits, Where where) {
  PacketInfo p = {0, 0, 0, 0};
  for (bool last = false; !last;) {
    const Beat b = in.read();
    if (p.flits == max_flits) {
      ATL_CSIM_FAIL("kernel %u of cluster %u: a packet from kernel %u is longer than %d beats",
                    where.id, where.cluster, static_cast<unsigned>(b.id.to_uint64()), max_flits);
    }
    for (int w = 0; w < kBeatBytes / 8; ++w) {
      const std::uint64_t v = b.data.range(64 * w + 63, 64 * w);
      for (int i = 0; i < 8; ++i)
        buf[p.flits * kBeatBytes + 8 * w + i] = static_cast<std::uint8_t>(v >> (8 * i));
    }
    p.tid = static_cast<unsigned>(b.id.to_uint64());
    p.tdest = static_cast<unsigned>(b.dest.to_uint64());
    p.keep = b.keep.to_uint64();
    last = b.last.to_uint64() != 0;
    ++p.flits;
    if (last && static_cast<int>(b.user.to_uint64()) != p.flits) {
      ATL_CSIM_FAIL(
          "kernel %u of cluster %u: a packet from kernel %u says TUSER = %u flits but has %d",
          where.id, where.cluster, p.tid, static_cast<unsigned>(b.user.to_uint64()), p.flits);
    }
  }
  return p;
}

// Writes the packet in raw (flits * 64 bytes) with TID tid to route r: as it is, or skewed
// (byte 0 = r.skew_id, the bytes shifted up by one, one more beat, TKEEP passed through).
inline void write_packet(BeatStream& out, const std::uint8_t* raw, int flits, std::uint64_t keep,
                         unsigned tid, Route r) {
  const bool skew = r.skew_id >= 0;
  const int beats = flits + (skew ? 1 : 0);
  const int total = flits * kBeatBytes;
  for (int f = 0; f < beats; ++f) {
    ATL_HLS(HLS PIPELINE II = 1)
    Beat b;
    for (int w = 0; w < kBeatBytes / 8; ++w) {
      std::uint64_t v = 0;
      for (int i = 0; i < 8; ++i) {
        const int at = f * kBeatBytes + 8 * w + i;  // byte of the packet on the wire
        int from = at;                              // byte of raw it carries
        std::uint8_t byte = 0;
        if (skew) {
          from = at - 1;
          if (at == 0) byte = static_cast<std::uint8_t>(r.skew_id);
        }
        if (from >= 0 && from < total) byte = raw[from];
        v |= static_cast<std::uint64_t>(byte) << (8 * i);
      }
      b.data.range(64 * w + 63, 64 * w) = v;
    }
    const bool last = f + 1 == beats;
    b.keep = last ? keep : ~std::uint64_t{0};
    b.strb = last ? keep : ~std::uint64_t{0};
    b.user = static_cast<unsigned>(beats);
    b.last = last ? 1 : 0;
    b.id = tid;
    b.dest = r.tdest;
    out.write(b);
  }
}

// Builds the packet of one row (`bytes` bytes; with the header flit first when h is not null)
// in raw and writes it to r, as platform::row_packet and gmi_skew build it. raw holds the
// packet: (1 + flits_for(bytes)) * 64 bytes.
inline void write_row(BeatStream& out, const std::uint8_t* row, int bytes, const Header* h,
                      unsigned tid, Route r, std::uint8_t* raw) {
  const int head = h != nullptr ? kBeatBytes : 0;
  const bool header_only = h != nullptr && bytes == 0;
  const int flits = (h != nullptr ? 1 : 0) + (header_only ? 0 : flits_for(bytes));
  if (h != nullptr) encode_header(*h, raw);
  for (int i = head; i < flits * kBeatBytes; ++i) {
    raw[i] = i - head < bytes ? row[i - head] : 0;
  }
  write_packet(out, raw, flits, header_only ? ~std::uint64_t{0} : keep_for(bytes), tid, r);
}

// PacketDecoder (kernel 0): the packet a skewed packet `skewed` (info p) carries, into raw;
// returns its info with tdest = the ID from byte 0.
inline PacketInfo unskew(const std::uint8_t* skewed, const PacketInfo& p, std::uint8_t* raw,
                         Where where) {
  if (p.flits < 2) {
    ATL_CSIM_FAIL(
        "kernel %u of cluster %u: a packet from kernel %u of %d beat(s) is not skewed (byte 0 = "
        "the "
        "virtual kernel, one extra beat)",
        where.id, where.cluster, p.tid, p.flits);
  }
  PacketInfo q = p;
  q.flits = p.flits - 1;
  q.tdest = skewed[0];
  for (int i = 0; i < q.flits * kBeatBytes; ++i) raw[i] = skewed[i + 1];
  return q;
}

// One sender's message as its packets arrive: the header from the first packet, then the rows.
struct MessageIn {
  bool started;
  Header header;
  std::uint32_t rows_seen;
};

inline MessageIn message_start() {
  MessageIn m = {false, {0, 0, 0}, 0};
  return m;
}

inline bool message_done(const MessageIn& m) {
  return m.started && m.rows_seen == m.header.rows;
}

// Takes packet p (bytes in raw) of message m: returns the offset of its row in raw (64 after
// the header, 0 else) and sets *row_bytes, or -1 when it is the header of a zero-row message.
// Fails the C simulation on a packet that breaks the convention: more rows than max_rows, a row
// of another size than row_bytes_expected, a packet after the message was complete.
inline int message_add(MessageIn& m, const std::uint8_t* raw, const PacketInfo& p,
                       std::uint32_t max_rows, int row_bytes_expected, Where where) {
  if (message_done(m)) {
    ATL_CSIM_FAIL("kernel %u of cluster %u: a packet from kernel %u after its message was complete",
                  where.id, where.cluster, p.tid);
  }
  int at = 0;
  if (!m.started) {
    m.header = decode_header(raw);
    m.started = true;
    m.rows_seen = 0;
    if (m.header.rows > max_rows || m.header.valid_rows > m.header.rows) {
      ATL_CSIM_FAIL(
          "kernel %u of cluster %u: kernel %u announces %u rows (%u valid); at most %u expected",
          where.id, where.cluster, p.tid, m.header.rows, m.header.valid_rows, max_rows);
    }
    if (m.header.rows == 0) return -1;
    at = kBeatBytes;
  }
  const int bytes = payload_bytes(p) - at;
  if (row_bytes_expected >= 0 && bytes != row_bytes_expected) {
    ATL_CSIM_FAIL("kernel %u of cluster %u: row %u from kernel %u holds %d bytes, expected %d",
                  where.id, where.cluster, m.rows_seen, p.tid, bytes, row_bytes_expected);
  }
  ++m.rows_seen;
  return at;
}

}  // namespace hls
}  // namespace kernels
}  // namespace atl
