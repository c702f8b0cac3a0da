// The Galapagos view of a plan: its kernels grouped into Galapagos clusters and numbered exactly
// as Cluster Builder numbers them (setup.py / python_scripts/utils.py, reference-system.md §1.8).
// Per cluster: kernel 0 is the GMI node, whose IP also serves the cluster's virtual kernels
// (what enters the cluster); then the compute kernels in sub-layer order, each cluster's IDs
// starting again at 1; then the virtual kernels; then the comm kernels (scatter, gather,
// broadcast between compute kernels of one cluster). This is what real hardware is built and
// addressed by: the software nodes route by these IDs and the deployment bundle is written
// from them.
//
// INTERFACE CONTRACT (issue 10): the structs below are shared by the numbering (plan/), the
// software nodes (platform/) and the bundle writer (codegen/). Change them only together.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/sublayer.h"

namespace atl::plan {

enum class GalapagosKind {
  gmi,             // kernel 0: the GMI node; its IP holds the cluster's virtual kernels
  virtual_kernel,  // an ID served inside kernel 0: receives what enters the cluster (from the
                   // host or another cluster) and passes it on by `op`; no IP of its own
  compute,         // one graph kernel (one IP)
  bypass,          // Cluster Builder's extra attention_0 / intermediate_0 kernel that forwards the
                   // residual identity to the LayerNorm sub-layer in another cluster
  comm,            // a communication IP between compute kernels of one cluster
};

// What a virtual, bypass or comm kernel does with each row it receives.
enum class CommOp {
  forward,           // passes it on unchanged to its one dest
  broadcast,         // copies it to every dest
  scatter,           // cuts it into equal chunks, chunk i to dest i (one per head)
  gather,            // concatenates one row from each source, in source order
  gather_broadcast,  // gathers, then broadcasts the gathered row
};

// A kernel address: Galapagos cluster and kernel ID within it. cluster == kHost is the host
// (the input's producer and the output's consumer), which has no ID of its own.
struct GalapagosAddress {
  static constexpr int kHost = -1;
  int cluster = 0;       // index into Galapagos::clusters, or kHost
  std::uint32_t id = 0;  // kernel ID in that cluster (< 256: the 8-bit TDEST)
  auto operator<=>(const GalapagosAddress&) const = default;
};

struct GalapagosKernel {
  std::uint32_t id = 0;
  GalapagosKind kind = GalapagosKind::compute;
  CommOp op = CommOp::forward;            // virtual, bypass and comm kernels
  int graph_kernel = -1;                  // compute: index into Plan::graph.kernels
  std::vector<GalapagosAddress> dests;    // in Cluster Builder's order
  std::vector<GalapagosAddress> sources;  // in Cluster Builder's order (a head kernel orders
                                          // its two inputs by the sender's ID)
  int node = -1;  // index into Plan::cluster.nodes holding its IP (virtual: kernel 0's node)
  friend bool operator==(const GalapagosKernel&, const GalapagosKernel&) = default;
};

struct GalapagosCluster {
  int layer = 0;                           // encoder layer
  std::vector<graph::Sublayer> sublayers;  // the group it holds, in data-flow order
  std::vector<GalapagosKernel> kernels;    // ascending ID, kernel 0 first
  friend bool operator==(const GalapagosCluster&, const GalapagosCluster&) = default;
};

struct Galapagos {
  graph::Grouping grouping;                // the same for every encoder layer
  std::vector<GalapagosCluster> clusters;  // layer-major, then group order
  friend bool operator==(const Galapagos&, const Galapagos&) = default;
};

// "gmi", "virtual", "compute", "bypass", "comm"; "forward", "broadcast", "scatter", "gather",
// "gather_broadcast".
const char* to_string(GalapagosKind kind);
const char* to_string(CommOp op);
// The inverses; errors name `where` and list the choices.
GalapagosKind galapagos_kind_from_string(const std::string& s, const std::string& where);
CommOp comm_op_from_string(const std::string& s, const std::string& where);

// Numbers the encoder graph's kernels as Cluster Builder's setup.py / python_scripts/utils.py
// (yugao-uoft/Galapagos_Cluster_Builder, commit b500fa0) number them for `grouping`, one
// encoder layer after another (clusters layer-major; docs/galapagos.md gives the rules, the
// published example and where atoll departs from utils.py). `node_of_kernel` (per graph kernel)
// places each Galapagos kernel: compute kernels where the graph kernel is, a bypass kernel with
// its sub-layer's first kernel, a comm kernel with the kernel that feeds it, kernel 0 (and so
// every virtual kernel) with the cluster's kernel 1. The graph's source and sink are the host:
// they get no Galapagos kernel; layer 0's input broadcast takes the input from
// GalapagosAddress::kHost and the last layer's output goes to it.
// Throws core::Error: unsupported when the graph is not an encoder Cluster Builder can express
// (q, k, v with different partitions, heads not divisible by that partition, a group that is not
// a run of consecutive sub-layers in data-flow order) naming the kernel or group and why;
// does_not_fit when a cluster's IDs would pass 255 (the 8-bit TDEST), naming the cluster and
// the count; invalid_input when the grouping is not a partition of the eight
// sub-layers or node_of_kernel does not have one entry per graph kernel.
Galapagos number_galapagos(const graph::Graph& graph, const graph::Grouping& grouping,
                           const std::vector<int>& node_of_kernel);

// The address of every graph kernel (index into graph.kernels): its compute kernel's cluster and
// ID; kHost for the source and the sink.
std::vector<GalapagosAddress> graph_kernel_addresses(const Galapagos& galapagos,
                                                     std::size_t graph_kernels);

}  // namespace atl::plan
