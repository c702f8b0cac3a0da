#include "platform/gmi.h"

#include <fmt/format.h>

#include <cstring>

#include "core/error.h"

namespace atl::platform {
namespace {

void check_same_rows(std::span<const Message> by_source, const char* what) {
  if (by_source.empty()) throw core::Error(fmt::format("{}: no sources", what));
  for (std::size_t s = 1; s < by_source.size(); ++s) {
    if (by_source[s].header.rows != by_source[0].header.rows) {
      throw core::Error(fmt::format("{}: source {} sent {} rows, source 0 sent {}", what, s,
                                    by_source[s].header.rows, by_source[0].header.rows));
    }
  }
}

// The packet of row r for one child; row 0's carries the header.
Packet chunk_packet(const Message& m, std::size_t r, std::uint32_t src, const Chunk& c) {
  const MessageHeader* header = r == 0 ? &m.header : nullptr;
  if (m.header.rows == 0) return row_packet({}, src, c.dest, header);
  return row_packet(m.row(r).subspan(c.offset, c.bytes), src, c.dest, header);
}

}  // namespace

void check_fan_out(const Message& m, std::span<const Chunk> children) {
  for (const Chunk& c : children) {
    if (c.bytes == 0 || c.offset + c.bytes > m.row_bytes) {
      throw core::Error(fmt::format("fan-out to kernel {}: bytes [{}, {}) of a {}-byte row", c.dest,
                                    c.offset, c.offset + c.bytes, m.row_bytes));
    }
  }
}

std::vector<Packet> chunk_packets(const Message& m, std::uint32_t src, const Chunk& child) {
  check_fan_out(m, {&child, 1});
  std::vector<Packet> out;
  out.reserve(std::max<std::size_t>(m.header.rows, 1));
  for (std::size_t r = 0; r < std::max<std::size_t>(m.header.rows, 1); ++r) {
    out.push_back(chunk_packet(m, r, src, child));
  }
  return out;
}

std::vector<Packet> fan_out(const Message& m, std::uint32_t src, std::span<const Chunk> children) {
  check_fan_out(m, children);
  std::vector<Packet> out;
  out.reserve(children.size() * std::max<std::size_t>(m.header.rows, 1));
  for (std::size_t r = 0; r < std::max<std::size_t>(m.header.rows, 1); ++r) {
    for (const Chunk& c : children) out.push_back(chunk_packet(m, r, src, c));
  }
  return out;
}

std::vector<Packet> send(const Message& m, std::uint32_t src, std::uint32_t dest) {
  return pack(m, src, dest);
}

std::vector<Packet> bcast(const Message& m, std::uint32_t src,
                          std::span<const std::uint32_t> children) {
  std::vector<Chunk> chunks;
  for (std::uint32_t c : children) chunks.push_back({c, 0, m.row_bytes});
  return fan_out(m, src, chunks);
}

std::vector<Packet> scatter(const Message& m, std::uint32_t src,
                            std::span<const std::uint32_t> children, std::size_t chunk_bytes) {
  if (chunk_bytes * children.size() != m.row_bytes) {
    throw core::Error(fmt::format("scatter: {} children x {} bytes do not cover a {}-byte row",
                                  children.size(), chunk_bytes, m.row_bytes));
  }
  std::vector<Chunk> chunks;
  for (std::size_t k = 0; k < children.size(); ++k) {
    chunks.push_back({children[k], k * chunk_bytes, chunk_bytes});
  }
  return fan_out(m, src, chunks);
}

Message gather(std::span<const Message> by_source) {
  check_same_rows(by_source, "gather");
  Message out;
  out.header = by_source[0].header;
  for (const Message& m : by_source) out.row_bytes += m.row_bytes;
  out.data.resize(out.header.rows * out.row_bytes);
  std::uint8_t* at = out.data.data();
  for (std::size_t r = 0; r < out.header.rows; ++r) {
    for (const Message& m : by_source) {
      if (m.row_bytes == 0) continue;
      std::memcpy(at, m.row(r).data(), m.row_bytes);
      at += m.row_bytes;
    }
  }
  return out;
}

Message reduce(std::span<const Message> by_source, Lanes lanes) {
  check_same_rows(by_source, "reduce");
  Message out = by_source[0];
  for (std::size_t s = 1; s < by_source.size(); ++s) {
    const Message& m = by_source[s];
    if (m.row_bytes != out.row_bytes) {
      throw core::Error(fmt::format("reduce: source {} rows are {} bytes, source 0 rows {}", s,
                                    m.row_bytes, out.row_bytes));
    }
    if (lanes == Lanes::i8) {
      // Unsigned addition wraps exactly like the 8-bit adders of the hardware lanes.
      for (std::size_t i = 0; i < out.data.size(); ++i) {
        out.data[i] = static_cast<std::uint8_t>(out.data[i] + m.data[i]);
      }
    } else {
      if (out.row_bytes % 4 != 0) {
        throw core::Error(fmt::format("reduce: {}-byte rows are not int32 lanes", out.row_bytes));
      }
      for (std::size_t i = 0; i < out.data.size(); i += 4) {
        std::uint32_t a, b;
        std::memcpy(&a, &out.data[i], 4);
        std::memcpy(&b, &m.data[i], 4);
        a += b;
        std::memcpy(&out.data[i], &a, 4);
      }
    }
  }
  return out;
}

}  // namespace atl::platform
