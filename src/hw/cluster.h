// Cluster: FPGA nodes and the network that joins them, read from a cluster YAML
// (examples/clusters/*.yaml).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "hw/device.h"

namespace atl::hw {

enum class Topology { switched, ring, direct };

struct Node {
  std::string name;  // unique, e.g. "fpga0"
  Device device;     // copied from the catalogue
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
};

struct Cluster {
  std::string name;
  std::vector<Node> nodes;
  Network network;
};

Cluster load_cluster(const std::filesystem::path& path, const Catalogue& catalogue);

}  // namespace atl::hw
