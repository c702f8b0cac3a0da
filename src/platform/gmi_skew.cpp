#include "platform/gmi_skew.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"

namespace atl::platform {

Packet gmi_skew(const Packet& p, plan::GalapagosAddress to) {
  if (p.flit_count() + 1 > 0xffff) {
    throw core::Error(
        fmt::format("GMISkew: a packet of {} flits has no room for one more", p.flit_count()));
  }
  if (to.id > 0xff) {
    throw core::Error(fmt::format(
        "GMISkew: virtual kernel ID {} does not fit byte 0 of a packet (8-bit IDs)", to.id));
  }
  Packet out;
  out.dest = 0;
  out.id = p.id;
  out.cluster = to.cluster;
  out.user = static_cast<std::uint16_t>(p.user + 1);
  out.keep = p.keep;
  out.data.resize(p.data.size() + kFlitBytes);
  out.data[0] = static_cast<std::uint8_t>(to.id);
  std::copy(p.data.begin(), p.data.end(), out.data.begin() + 1);
  return out;
}

Packet gmi_decode(const Packet& p, const std::string& where) {
  if (p.flit_count() < 2 || p.user < 2) {
    throw core::Error(fmt::format(
        "{}: packet from kernel {} for kernel 0 (the GMI node) holds {} flit(s); a packet for a "
        "virtual kernel carries its ID in byte 0 and one extra flit",
        where, p.id, p.flit_count()));
  }
  Packet out;
  out.dest = p.data[0];
  out.id = p.id;
  out.cluster = p.cluster;
  out.user = static_cast<std::uint16_t>(p.user - 1);
  out.keep = p.keep;
  out.data.assign(p.data.begin() + 1, p.data.end() - kFlitBytes + 1);
  return out;
}

}  // namespace atl::platform
