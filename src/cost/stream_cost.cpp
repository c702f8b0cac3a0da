// Network cost of one stream: how its rows become Galapagos packets and flits on the wire, and the
// alpha-beta time of carrying them (docs/cost-model.md, "Streams").
#include <fmt/format.h>

#include "core/error.h"
#include "cost/cost.h"

namespace atl::cost {
namespace {

// One 512-bit AXI-Stream beat (reference-system.md §1.3; data/network.yaml galapagos.flit_bytes).
constexpr std::int64_t kFlitBytes = 64;
// IPv4 (20 B) + UDP (8 B) headers sit inside the IP MTU (data/network.yaml ip_udp).
constexpr std::int64_t kIpUdpHeaderBytes = 28;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

StreamCost stream_cost(const graph::Stream& stream, const graph::Graph& graph,
                       const hw::Network& network, int hops) {
  if (stream.bytes_per_token <= 0 || hops < 0) {
    throw core::Error(fmt::format("stream cost: bytes_per_token {} and hops {} must be positive",
                                  stream.bytes_per_token, hops));
  }
  StreamCost c;
  c.payload_bytes_per_token = stream.bytes_per_token;
  const std::int64_t payload_flits = ceil_div(stream.bytes_per_token, kFlitBytes);
  if (hops == 0) {
    // Same FPGA: the on-chip AXIS switch moves one flit per kernel-clock cycle; no bridge header.
    c.packets_per_token = 1;
    c.flits_per_token = payload_flits;
    c.on_chip_cycles_per_token = payload_flits;
    c.wire_bytes_per_token = 0;
    return c;
  }
  // A packet is the bridge header flit plus payload flits, inside one UDP datagram.
  const std::int64_t max_flits = (network.mtu_bytes - kIpUdpHeaderBytes) / kFlitBytes - 1;
  if (max_flits < 1) {
    throw core::Error(fmt::format("network MTU {} B cannot carry a header and a payload flit",
                                  network.mtu_bytes));
  }
  c.packets_per_token = ceil_div(payload_flits, max_flits);
  c.flits_per_token = payload_flits + c.packets_per_token;
  c.wire_bytes_per_token =
      c.flits_per_token * kFlitBytes + c.packets_per_token * network.frame_overhead_bytes;
  const double bytes_per_s = network.link_gbps * 1e9 / 8;
  c.seconds_per_token = static_cast<double>(c.wire_bytes_per_token) / bytes_per_s;
  c.latency_s = hops * network.hop_latency_ns * 1e-9;
  // The message header flit (N rows, ...) rides in the first packet of the sequence.
  const double sequence_bytes = static_cast<double>(graph.seq_len * c.wire_bytes_per_token +
                                                    c.message_header_flits * kFlitBytes);
  c.sequence_s = c.latency_s + sequence_bytes / bytes_per_s;
  return c;
}

}  // namespace atl::cost
