#include "codegen/cluster_view.h"

#include <fmt/format.h>

#include <map>

#include "core/error.h"

namespace atl::codegen {

NodeAddress placeholder_address(int node) {
  const int n = node + 1;
  if (node < 0 || n > 0xffff) {
    throw core::Error(core::ErrorKind::internal,
                      fmt::format("placeholder address for node {}: out of range", node));
  }
  return {fmt::format("10.0.{}.{}", n >> 8, n & 0xff),
          fmt::format("02:00:00:00:{:02x}:{:02x}", n >> 8, n & 0xff)};
}

NodeAddress host_placeholder_address() {
  return {"10.0.255.254", "02:00:00:00:ff:fe"};
}

const graph::Kernel& graph_kernel(const plan::Plan& plan, const plan::GalapagosKernel& k) {
  return plan.graph.kernels.at(static_cast<std::size_t>(k.graph_kernel));
}

bool has_ip(const plan::GalapagosKernel& kernel) {
  return kernel.kind != plan::GalapagosKind::virtual_kernel;
}

std::string describe(const plan::Plan& plan, const plan::GalapagosKernel& k) {
  switch (k.kind) {
    case plan::GalapagosKind::gmi:
      return "GMI node";
    case plan::GalapagosKind::compute: {
      const graph::Kernel& g = graph_kernel(plan, k);
      return fmt::format("compute {} ({})", g.name, graph::to_string(g.role));
    }
    default:
      return fmt::format("{} {}", plan::to_string(k.kind), plan::to_string(k.op));
  }
}

ClusterView view_cluster(const plan::Plan& plan, int index, const hw::GalapagosBoards& boards) {
  const std::string where = fmt::format("plan: galapagos.clusters[{}]", index);
  ClusterView view;
  view.index = index;
  view.cluster = &plan.galapagos.clusters.at(static_cast<std::size_t>(index));
  const std::vector<plan::GalapagosKernel>& kernels = view.cluster->kernels;
  if (kernels.empty() || kernels[0].kind != plan::GalapagosKind::gmi) {
    throw core::Error(fmt::format("{}: kernel 0 must be the GMI node", where));
  }
  std::map<int, ClusterNode> nodes;
  for (std::size_t i = 0; i < kernels.size(); ++i) {
    const plan::GalapagosKernel& k = kernels[i];
    if (k.id != i || k.id > 255) {
      throw core::Error(
          fmt::format("{}.kernels[{}]: ID {}, expected {} (IDs 0, 1, 2, ... below 256, once each)",
                      where, i, k.id, i));
    }
    if (i > 0 && k.kind == plan::GalapagosKind::gmi) {
      throw core::Error(fmt::format("{}.kernels[{}]: a second GMI node", where, i));
    }
    if (k.kind == plan::GalapagosKind::compute &&
        (k.graph_kernel < 0 ||
         static_cast<std::size_t>(k.graph_kernel) >= plan.graph.kernels.size())) {
      throw core::Error(
          fmt::format("{}.kernels[{}]: graph kernel {} out of range", where, i, k.graph_kernel));
    }
    if (k.node < 0 || static_cast<std::size_t>(k.node) >= plan.cluster.nodes.size()) {
      throw core::Error(
          fmt::format("{}.kernels[{}] (ID {}): node {} out of range", where, i, k.id, k.node));
    }
    if (!has_ip(k)) continue;
    ClusterNode& n = nodes[k.node];
    n.node = k.node;
    n.ips.push_back(k.id);
  }
  for (auto& [index_of_node, n] : nodes) {
    const hw::Node& node = plan.cluster.nodes[static_cast<std::size_t>(index_of_node)];
    const auto board = boards.find(node.device.name);
    if (board == boards.end()) {
      throw core::Error(
          fmt::format("plan: cluster.nodes[{}] ({}): board '{}' is not in the device catalogue",
                      index_of_node, node.name, node.device.name));
    }
    if (board->second.empty()) {
      throw core::Error(fmt::format(
          "plan: cluster.nodes[{}] ({}): board '{}' has no Galapagos name (the catalogue's "
          "galapagos.board; Galapagos branch yugao knows only sidewinder among atoll's boards)",
          index_of_node, node.name, node.device.name));
    }
    n.galapagos_board = board->second;
    n.address = placeholder_address(index_of_node);
    view.nodes.push_back(std::move(n));
  }
  return view;
}

}  // namespace atl::codegen
