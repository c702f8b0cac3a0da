// What the bundle writer needs to know about one Galapagos cluster of a plan, checked once:
// its kernels by ID, the plan nodes holding its IPs, each node's placeholder network address and
// Galapagos board name, and a one-line description of each kernel. logical.xml, map.xml, the
// parameters headers and the README are all written from it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hw/galapagos_board.h"
#include "plan/galapagos.h"
#include "plan/plan.h"

namespace atl::codegen {

// Plan node n gets IP 10.0.<hi>.<lo> and the locally administered MAC 02:00:00:00:<hi>:<lo> of
// n + 1: a cluster file has no addresses, so these are placeholders to edit for a real site.
struct NodeAddress {
  std::string ip, mac;
};
NodeAddress placeholder_address(int node);
// The host's placeholders, 10.0.255.254 and 02:00:00:00:ff:fe: above every node's (at most
// hw::kMaxNodes = 4096 nodes, so <hi> <= 16).
NodeAddress host_placeholder_address();

struct ClusterNode {
  int node = -1;                // index into Plan::cluster.nodes
  std::string galapagos_board;  // e.g. "sidewinder"
  NodeAddress address;
  std::vector<std::uint32_t> ips;  // IDs of the IPs it holds, ascending (virtual kernels: none)
};

struct ClusterView {
  int index = 0;  // into plan.galapagos.clusters; the bundle folder is cluster_<index>
  const plan::GalapagosCluster* cluster = nullptr;
  std::vector<ClusterNode> nodes;  // the nodes holding its IPs, ascending plan node index
};

// Throws core::Error naming the cluster, kernel or node unless the cluster can be deployed:
// IDs 0, 1, 2, ... once each (the router table stops at the first missing ID) and below 256,
// kernel 0 the GMI node, every kernel on a node of the plan, every board of those nodes in
// `boards` with a Galapagos name.
ClusterView view_cluster(const plan::Plan& plan, int index, const hw::GalapagosBoards& boards);

// "compute l0.h3.attn (attention)", "comm scatter", "virtual broadcast", "GMI node", ...
std::string describe(const plan::Plan& plan, const plan::GalapagosKernel& kernel);

// The graph kernel of a compute kernel (k.graph_kernel indexes plan.graph.kernels).
const graph::Kernel& graph_kernel(const plan::Plan& plan, const plan::GalapagosKernel& k);

// True for kernels with an IP of their own (all but virtual kernels, which kernel 0 serves).
bool has_ip(const plan::GalapagosKernel& kernel);

}  // namespace atl::codegen
