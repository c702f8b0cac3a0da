// The network as the simulator sees it: directed links (each a resource that serialises one
// packet at a time at its bandwidth) and, for every pair of nodes, the route of links a packet
// follows.
//
//   switched: node a -> switch (uplink of a), switch -> node b (output port of b). Two senders
//             to the same node queue on b's output port: that is switch contention.
//   ring:     one link per direction between neighbours; the shorter way round.
//   direct:   the cluster's point-to-point links (both directions); fewest links (BFS).
//
// The per-hop latency (hw::Network::hop_latency_ns) is charged once per hop, on the link that
// leaves the hop's sender, so a route's total latency is hops * hop latency, as in cost/.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "hw/cluster.h"
#include "sim/picos.h"

namespace atl::sim {

struct Link {
  std::string name;        // "fpga0->switch", "switch->fpga3", "fpga1->fpga2"
  Picos latency = 0;       // head of a packet entering this link reaches the next one this later
  double ps_per_byte = 0;  // serialisation: 8000 / Gb/s
};

struct Network {
  std::vector<Link> links;
  int nodes = 0;
  hw::Topology topology = hw::Topology::switched;
  // direct: per node, (neighbour, link to it) in the order the cluster lists its links.
  std::vector<std::vector<std::pair<int, int>>> adjacency;
  // Link indices from node a to node b (empty when a == b). Computed when asked: a table of
  // every pair grows with the square of the nodes (the cube on a ring), gigabytes for a plan of
  // a few thousand nodes.
  std::vector<int> route(int a, int b) const;
};

// Builds links and routes for the cluster. Throws core::Error naming the field for a
// non-positive bandwidth, a negative latency, or a direct topology that leaves nodes unreachable,
// and of kind does_not_fit for a hop latency beyond kMaxTime.
Network build_network(const hw::Cluster& cluster);

}  // namespace atl::sim
