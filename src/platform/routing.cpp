#include "platform/routing.h"

#include <fmt/format.h>

#include "core/error.h"

namespace atl::platform {

void add_route(RoutingTable& table, plan::GalapagosAddress a, int node) {
  if (node < 0) {
    throw core::Error(fmt::format("routing table: {} has no node", to_string(a)));
  }
  if (a.cluster == plan::GalapagosAddress::kHost) {
    if (table.host_node >= 0 && table.host_node != node) {
      throw core::Error(
          fmt::format("routing table: the host is on node index {} and {}", table.host_node, node));
    }
    table.host_node = node;
    return;
  }
  if (a.cluster < 0) {
    throw core::Error(fmt::format("routing table: cluster {} is not a cluster index", a.cluster));
  }
  const auto c = static_cast<std::size_t>(a.cluster);
  if (table.node.size() <= c) table.node.resize(c + 1);
  std::vector<int>& ids = table.node[c];
  if (ids.size() <= a.id) ids.resize(std::size_t{a.id} + 1, -1);
  if (ids[a.id] >= 0) {
    throw core::Error(fmt::format("routing table: {} appears twice", to_string(a)));
  }
  ids[a.id] = node;
}

int node_of(const RoutingTable& table, plan::GalapagosAddress a) {
  if (a.cluster == plan::GalapagosAddress::kHost) return table.host_node;
  if (a.cluster < 0 || static_cast<std::size_t>(a.cluster) >= table.node.size()) return -1;
  const std::vector<int>& ids = table.node[static_cast<std::size_t>(a.cluster)];
  return a.id < ids.size() ? ids[a.id] : -1;
}

std::string to_string(plan::GalapagosAddress a) {
  if (a.cluster == plan::GalapagosAddress::kHost) return "the host";
  return fmt::format("cluster {} ID {}", a.cluster, a.id);
}

}  // namespace atl::platform
