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
    case Objective::ttft:
      return "ttft";
  }
  return "?";
}

Objective parse_objective(const std::string& text, const std::string& where) {
  for (Objective o :
       {Objective::latency, Objective::throughput, Objective::manual, Objective::ttft}) {
    if (text == to_string(o)) return o;
  }
  throw core::Error(
      fmt::format("{}: '{}' is not latency, throughput, manual or ttft", where, text));
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
  for (std::size_t k = 0; k < n; ++k) {
    const std::string& name = plan.graph.kernels[k].name;
    const int node = plan.node_of_kernel[k];
    if (node < 0 || node >= nodes) {
      fail(fmt::format("kernel '{}': node index {} outside the cluster's {} nodes", name, node,
                       nodes));
    }
  }
  if (!plan.memory.empty() && plan.memory.size() != n) {
    fail(fmt::format("memory: {} entries for {} kernels", plan.memory.size(), n));
  }
  for (std::size_t k = 0; k < plan.memory.size(); ++k) {
    const cost::KernelMemory& m = plan.memory[k];
    if (m == cost::KernelMemory{}) continue;
    bool weights = false, kv = false;
    for (const graph::Stage& s : plan.graph.kernels[k].stages) {
      weights = weights || s.type == graph::StageType::w8a8_linear ||
                s.type == graph::StageType::w8a8_partial || s.type == graph::StageType::linear ||
                s.type == graph::StageType::embedding;
      kv = kv || s.type == graph::StageType::decoder_attention;
    }
    if ((m.weights == cost::Memory::off_chip && !weights) ||
        (m.kv == cost::Memory::off_chip && !kv)) {
      fail(fmt::format("memory of kernel '{}': off_chip {} but the kernel has none",
                       plan.graph.kernels[k].name,
                       m.weights == cost::Memory::off_chip && !weights ? "weights" : "kv"));
    }
  }
  if (plan.tensor_parallel < 0 || plan.pipeline_stages < 0 || plan.batch < 1) {
    fail(fmt::format("tensor_parallel {}, pipeline_stages {} must be >= 0 and batch {} >= 1",
                     plan.tensor_parallel, plan.pipeline_stages, plan.batch));
  }
  if (!plan.galapagos.clusters.empty())
    graph::validate(plan.galapagos.grouping, where + ": galapagos.grouping");
  if (plan.estimate.nodes.size() != plan.cluster.nodes.size()) {
    fail(fmt::format("estimate: {} node entries for {} cluster nodes", plan.estimate.nodes.size(),
                     plan.cluster.nodes.size()));
  }
}

}  // namespace atl::plan
