// Routing tables for router-level tests: one Galapagos cluster, entry i = the node of ID i.
#pragma once

#include <cstdint>
#include <vector>

#include "platform/routing.h"

namespace atl::platform::testing {

inline RoutingTable one_cluster(const std::vector<int>& node_of_id) {
  RoutingTable t;
  for (std::size_t id = 0; id < node_of_id.size(); ++id) {
    if (node_of_id[id] >= 0) add_route(t, {0, static_cast<std::uint32_t>(id)}, node_of_id[id]);
  }
  return t;
}

}  // namespace atl::platform::testing
