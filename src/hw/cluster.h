// Cluster: FPGA nodes and the network that joins them, read from a cluster YAML
// (examples/clusters/*.yaml).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "hw/device.h"

namespace atl::hw {

enum class Topology { switched, ring, direct };

// Limits of a cluster (README "Limits"): the largest cluster atoll maps or simulates, and the
// largest MTU (an IPv4 packet's 65535 bytes).
inline constexpr int kMaxNodes = 4096;
inline constexpr int kMaxMtuBytes = 65535;

// Throws core::Error naming `what` (e.g. "--fpgas") unless 1 <= count <= kMaxNodes.
void validate_node_count(std::int64_t count, const std::string& what);

struct Node {
  std::string name;  // unique, e.g. "fpga0"
  Device device;     // copied from the catalogue
  friend bool operator==(const Node&, const Node&) = default;
};

struct Network {
  Topology topology = Topology::switched;
  double link_gbps = 100;       // per link, each direction
  double hop_latency_ns = 300;  // switch traversal (or per ring hop / direct link)
  int mtu_bytes = 9000;
  // Bytes each packet costs on the wire beyond its flits (Ethernet/IP/UDP framing, preamble,
  // inter-frame gap); from data/network.yaml, not from the cluster file.
  int frame_overhead_bytes = 0;
  // direct topology only: pairs of node indices joined by a link
  std::vector<std::pair<int, int>> links;
  friend bool operator==(const Network&, const Network&) = default;
};

struct Cluster {
  std::string name;
  std::vector<Node> nodes;
  Network network;
  friend bool operator==(const Cluster&, const Cluster&) = default;
};

// Network figures a cluster file may leave out, from data/network.yaml (sourced figures).
struct NetworkDefaults {
  double switched_hop_ns = 0;    // model_defaults.switched_hop_alpha_ns: NIC -> switch -> NIC
  double direct_hop_ns = 0;      // model_defaults.direct_aurora_hop_alpha_ns: ring / direct links
  int mtu_bytes = 0;             // mtu.default_bytes
  int frame_overhead_bytes = 0;  // frame_overhead_bytes: Ethernet + IPv4 + UDP per packet
};
NetworkDefaults load_network_defaults(const std::filesystem::path& path);

// Reads a cluster YAML; errors name the file and the field. hop_latency_ns and mtu default to
// `defaults` (the hop latency by topology); framing always comes from `defaults`.
Cluster load_cluster(const std::filesystem::path& path, const Catalogue& catalogue,
                     const NetworkDefaults& defaults);
// The same from the YAML text; `where` names it in errors.
Cluster parse_cluster(const std::string& text, const std::string& where, const Catalogue& catalogue,
                      const NetworkDefaults& defaults);
// As above with load_network_defaults(default_data_dir() / "network.yaml").
Cluster load_cluster(const std::filesystem::path& path, const Catalogue& catalogue);

// Network hops between nodes a and b: 0 for the same node, 1 through the switch, the shorter way
// round a ring, the fewest links for direct topologies.
int hops(const Cluster& cluster, int a, int b);

}  // namespace atl::hw
