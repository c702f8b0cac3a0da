#include "platform/bridge.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"

namespace atl::platform {
namespace {

void put_le(std::uint8_t* at, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) at[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint64_t get_le(const std::uint8_t* at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(at[i]) << (8 * i);
  return v;
}

}  // namespace

std::array<std::uint8_t, kFlitBytes> encode_bridge_header(const BridgeHeader& h) {
  if (h.src > kMaxKernelId || h.dest > kMaxKernelId) {
    throw core::Error(
        fmt::format("bridge header: kernel IDs {} -> {} do not fit 8-bit IDs", h.src, h.dest));
  }
  std::array<std::uint8_t, kFlitBytes> f{};
  put_le(f.data(), h.size, 2);
  f[2] = static_cast<std::uint8_t>(h.src);
  f[3] = static_cast<std::uint8_t>(h.dest);
  put_le(f.data() + 16, h.keep == kAllKeep ? 0 : h.keep, 8);
  put_le(f.data() + 24, static_cast<std::uint32_t>(h.cluster), 4);
  return f;
}

BridgeHeader decode_bridge_header(std::span<const std::uint8_t> flit) {
  if (flit.size() < kFlitBytes) {
    throw core::Error(
        fmt::format("bridge header: {} bytes, a header flit has {}", flit.size(), kFlitBytes));
  }
  BridgeHeader h;
  h.size = static_cast<std::uint16_t>(get_le(flit.data(), 2));
  h.src = flit[2];
  h.dest = flit[3];
  h.keep = get_le(flit.data() + 16, 8);
  h.cluster = static_cast<std::int32_t>(static_cast<std::uint32_t>(get_le(flit.data() + 24, 4)));
  return h;
}

void append_wire(const Packet& p, std::vector<std::uint8_t>& out) {
  const auto h = encode_bridge_header({.size = static_cast<std::uint16_t>(p.flit_count()),
                                       .src = p.id,
                                       .dest = p.dest,
                                       .keep = p.keep,
                                       .cluster = p.cluster});
  out.insert(out.end(), h.begin(), h.end());
  out.insert(out.end(), p.data.begin(), p.data.end());
}

std::vector<std::uint8_t> to_wire(const Packet& p) {
  std::vector<std::uint8_t> out;
  out.reserve(kFlitBytes + p.data.size());
  append_wire(p, out);
  return out;
}

Packet from_wire(std::span<const std::uint8_t> bytes, const std::string& where) {
  if (bytes.size() < kFlitBytes) {
    throw core::Error(fmt::format("{}: truncated packet: {} bytes, not even a bridge header", where,
                                  bytes.size()));
  }
  const BridgeHeader h = decode_bridge_header(bytes.first(kFlitBytes));
  const std::size_t payload = bytes.size() - kFlitBytes;
  if (h.size == 0 || payload != std::size_t{h.size} * kFlitBytes) {
    throw core::Error(fmt::format(
        "{}: packet {} -> {} announces {} flits ({} bytes) but {} payload bytes arrived{}", where,
        h.src, h.dest, h.size, std::size_t{h.size} * kFlitBytes, payload,
        payload < std::size_t{h.size} * kFlitBytes ? " (truncated)" : ""));
  }
  Packet p;
  p.dest = h.dest;
  p.id = h.src;
  p.user = h.size;
  p.keep = h.keep == 0 ? kAllKeep : h.keep;
  p.cluster = h.cluster;
  p.data.assign(bytes.begin() + kFlitBytes, bytes.end());
  validate(p, where);
  return p;
}

}  // namespace atl::platform
