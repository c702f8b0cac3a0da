// libFuzzer target for what arrives from the network: any byte string, taken as one UDP
// datagram or MPI message (bridge header flit + payload, 8-bit kernel IDs),
// must either parse or throw core::Error; a packet that parses must survive the trip back to
// bytes and to flits unchanged, and a message reader fed with it must accept it or throw
// core::Error. Never crash, hang or read out of bounds (built with ASan + UBSan by `make fuzz`).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "core/error.h"
#include "platform/bridge.h"
#include "platform/message.h"
#include "platform/packet.h"

namespace {

using namespace atl::platform;

void check(bool ok) {
  if (!ok) std::abort();  // a finding: the invariant broke
}

void datagram(std::span<const std::uint8_t> bytes) {
  Packet p;
  try {
    p = from_wire(bytes, "fuzz datagram");
  } catch (const atl::core::Error&) {
    return;
  }
  // Back to bytes and again: the same packet (the header bits atoll ignores may differ).
  check(from_wire(to_wire(p), "again") == p);
  std::vector<Flit> flits;
  for (std::size_t i = 0; i < p.flit_count(); ++i) flits.push_back(flit(p, i));
  // Flits are the AXI-Stream signals, which have no cluster (packet.h): that trip drops it.
  Packet without_cluster = p;
  without_cluster.cluster = 0;
  check(packet_from_flits(flits, "flits") == without_cluster);
  check(p.payload_bytes() <= p.data.size());
  // As the first packet of a message with rows of one, a few or the packet's own size.
  for (std::size_t row_bytes : {std::size_t{1}, std::size_t{64}, p.payload_bytes()}) {
    MessageReader reader(row_bytes, 4, "fuzz stream");
    try {
      if (reader.add(p)) {
        const Message m = reader.take();
        check(m.data.size() == m.header.rows * m.row_bytes);
      }
      reader.add(p);  // a second packet: the next row, or an error
    } catch (const atl::core::Error&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  datagram(bytes);
  try {
    (void)decode_bridge_header(bytes);
    (void)decode_header(bytes);
  } catch (const atl::core::Error&) {
  }
  return 0;
}
