#include "plan/plan.h"

#include <fmt/format.h>

#include "core/error.h"

namespace atl::plan {

const char* to_string(Objective objective) {
  switch (objective) {
    case Objective::latency:
      return "latency";
    case Objective::throughput:
      return "throughput";
    case Objective::manual:
      return "manual";
  }
  return "?";
}

Objective parse_objective(const std::string& text, const std::string& where) {
  for (Objective o : {Objective::latency, Objective::throughput, Objective::manual}) {
    if (text == to_string(o)) return o;
  }
  throw core::Error(fmt::format("{}: '{}' is not latency, throughput or manual", where, text));
}

std::vector<std::uint32_t> assign_kernel_ids(const graph::Graph& graph, bool galapagos_compatible) {
  constexpr std::size_t kMaxCompatibleKernels = 255;  // 8-bit TDEST, ID 0 taken by the GMI node
  if (galapagos_compatible && graph.kernels.size() > kMaxCompatibleKernels) {
    throw core::Error(fmt::format(
        "graph '{}' has {} kernels but Galapagos 8-bit kernel IDs allow {} (ID 0 is the GMI "
        "node); use wide IDs (galapagos_compatible_ids = false)",
        graph.model, graph.kernels.size(), kMaxCompatibleKernels));
  }
  std::vector<std::uint32_t> ids(graph.kernels.size());
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::uint32_t>(i + 1);
  return ids;
}

std::vector<int> routing_table(const Plan& plan) {
  std::vector<int> table(plan.kernel_id.size() + 1, -1);
  for (std::size_t k = 0; k < plan.kernel_id.size(); ++k) {
    const std::uint32_t id = plan.kernel_id[k];
    if (id >= table.size()) table.resize(id + 1, -1);
    table[id] = plan.node_of_kernel.at(k);
  }
  return table;
}

void validate(const Plan& plan, const std::string& where) {
  auto fail = [&](const std::string& what) {
    throw core::Error(fmt::format("{}: {}", where, what));
  };
  try {
    graph::validate(plan.graph);
  } catch (const core::Error& e) {
    fail(fmt::format("graph: {}", e.what()));
  }
  const std::size_t n = plan.graph.kernels.size();
  const int nodes = static_cast<int>(plan.cluster.nodes.size());
  if (nodes == 0) fail("cluster: no nodes");
  if (plan.node_of_kernel.size() != n) {
    fail(fmt::format("placement: {} entries for {} kernels", plan.node_of_kernel.size(), n));
  }
  if (plan.kernel_id.size() != n) {
    fail(fmt::format("kernel IDs: {} entries for {} kernels", plan.kernel_id.size(), n));
  }
  std::vector<bool> seen(n + 1, false);
  for (std::size_t k = 0; k < n; ++k) {
    const std::string& name = plan.graph.kernels[k].name;
    const int node = plan.node_of_kernel[k];
    if (node < 0 || node >= nodes) {
      fail(fmt::format("kernel '{}': node index {} outside the cluster's {} nodes", name, node,
                       nodes));
    }
    const std::uint32_t id = plan.kernel_id[k];
    if (id < 1 || id > n) {
      fail(
          fmt::format("kernel '{}': ID {} outside 1..{} (IDs are consecutive from 1, 0 is the "
                      "GMI node)",
                      name, id, n));
    }
    if (seen[id]) fail(fmt::format("kernel '{}': ID {} used twice", name, id));
    seen[id] = true;
    if (plan.galapagos_compatible_ids && id > 255) {
      fail(
          fmt::format("kernel '{}': ID {} does not fit Galapagos' 8-bit IDs "
                      "(galapagos_compatible_ids is true)",
                      name, id));
    }
  }
  if (!plan.galapagos.clusters.empty())
    graph::validate(plan.galapagos.grouping, where + ": grouping");
  if (plan.estimate.nodes.size() != plan.cluster.nodes.size()) {
    fail(fmt::format("estimate: {} node entries for {} cluster nodes", plan.estimate.nodes.size(),
                     plan.cluster.nodes.size()));
  }
}

}  // namespace atl::plan
