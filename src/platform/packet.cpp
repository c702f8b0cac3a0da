#include "platform/packet.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>

#include "core/error.h"

namespace atl::platform {

std::size_t Packet::payload_bytes() const {
  if (data.empty()) return 0;
  return data.size() - kFlitBytes + static_cast<std::size_t>(std::popcount(keep));
}

Flit flit(const Packet& p, std::size_t i) {
  Flit f;
  std::copy_n(p.data.begin() + static_cast<std::ptrdiff_t>(i * kFlitBytes), kFlitBytes,
              f.data.begin());
  f.last = i + 1 == p.flit_count();
  f.keep = f.last ? p.keep : kAllKeep;
  f.dest = p.dest;
  f.id = p.id;
  f.user = p.user;
  return f;
}

Packet packet_from_flits(const std::vector<Flit>& flits, const std::string& where) {
  if (flits.empty()) throw core::Error(where + ": a packet needs at least one flit");
  Packet p;
  p.dest = flits[0].dest;
  p.id = flits[0].id;
  p.user = flits[0].user;
  p.keep = flits.back().keep;
  p.data.reserve(flits.size() * kFlitBytes);
  for (std::size_t i = 0; i < flits.size(); ++i) {
    const Flit& f = flits[i];
    const bool last = i + 1 == flits.size();
    if (f.dest != p.dest || f.id != p.id || f.user != p.user) {
      throw core::Error(fmt::format("{}: flit {} has dest/id/user {}/{}/{}, the packet {}/{}/{}",
                                    where, i, f.dest, f.id, f.user, p.dest, p.id, p.user));
    }
    if (f.last != last) {
      throw core::Error(
          fmt::format("{}: flit {} of {} has TLAST {}", where, i, flits.size(), f.last ? 1 : 0));
    }
    if (!last && f.keep != kAllKeep) {
      throw core::Error(
          fmt::format("{}: flit {} is not the last but TKEEP is {:#x}", where, i, f.keep));
    }
    p.data.insert(p.data.end(), f.data.begin(), f.data.end());
  }
  validate(p, where);
  return p;
}

void validate(const Packet& p, const std::string& where) {
  if (p.data.empty() || p.data.size() % kFlitBytes != 0) {
    throw core::Error(
        fmt::format("{}: packet payload of {} bytes is not a whole number of {}-byte "
                    "flits",
                    where, p.data.size(), kFlitBytes));
  }
  if (p.user != p.flit_count()) {
    throw core::Error(
        fmt::format("{}: packet from kernel {} to {} says TUSER = {} flits but "
                    "holds {}",
                    where, p.id, p.dest, p.user, p.flit_count()));
  }
  // TKEEP must be 0..01..1: bytes are packed from the low end.
  if (p.keep == 0 || (p.keep & (p.keep + 1)) != 0) {
    throw core::Error(
        fmt::format("{}: last flit TKEEP {:#x} is not a run of low bytes", where, p.keep));
  }
}

}  // namespace atl::platform
