#include "codegen/row_bytes.h"

#include <fmt/format.h>

#include <algorithm>

#include "codegen/senders.h"
#include "core/error.h"

namespace atl::codegen {
namespace {

// Comm kernels chain at most a few deep; a longer chain is a cycle in a broken plan.
constexpr int kMaxDepth = 64;

std::int64_t out_row_bytes(const plan::Plan& plan, int cluster, const plan::GalapagosKernel& k,
                           int depth);

std::int64_t source_row_bytes(const plan::Plan& plan, int cluster, const plan::GalapagosKernel& k,
                              const plan::GalapagosAddress& a, int depth) {
  if (a.cluster == plan::GalapagosAddress::kHost) return plan.graph.hidden;  // int8 input rows
  const auto& clusters = plan.galapagos.clusters;
  if (a.cluster < 0 || a.cluster >= static_cast<int>(clusters.size()) ||
      a.id >= clusters[static_cast<std::size_t>(a.cluster)].kernels.size() || depth > kMaxDepth) {
    throw core::Error(
        fmt::format("plan: galapagos.clusters[{}] kernel {}: source ({}, {}) is no "
                    "kernel of the plan, or its sources form a cycle",
                    cluster, k.id, a.cluster, a.id));
  }
  return out_row_bytes(plan, a.cluster, clusters[static_cast<std::size_t>(a.cluster)].kernels[a.id],
                       depth + 1);
}

std::int64_t sources_row_bytes(const plan::Plan& plan, int cluster, const plan::GalapagosKernel& k,
                               int depth, bool sum) {
  std::int64_t total = 0;
  for (const plan::GalapagosAddress& a : senders(plan, cluster, k)) {
    const std::int64_t b = source_row_bytes(plan, cluster, k, a, depth);
    total = sum ? total + b : std::max(total, b);
  }
  return total;
}

std::int64_t out_row_bytes(const plan::Plan& plan, int cluster, const plan::GalapagosKernel& k,
                           int depth) {
  if (k.kind == plan::GalapagosKind::compute)
    return plan.graph.kernels[static_cast<std::size_t>(k.graph_kernel)].out_bytes_per_token;
  switch (k.op) {
    case plan::CommOp::forward:
    case plan::CommOp::broadcast:
      return sources_row_bytes(plan, cluster, k, depth, false);
    case plan::CommOp::scatter: {
      const std::int64_t in = sources_row_bytes(plan, cluster, k, depth, false);
      if (k.dests.empty() || in % static_cast<std::int64_t>(k.dests.size()) != 0) {
        throw core::Error(fmt::format(
            "plan: galapagos.clusters[{}] kernel {}: a scatter of {}-byte rows to {} dests",
            cluster, k.id, in, k.dests.size()));
      }
      return in / static_cast<std::int64_t>(k.dests.size());
    }
    case plan::CommOp::gather:
    case plan::CommOp::gather_broadcast:
      return sources_row_bytes(plan, cluster, k, depth, true);
  }
  return 0;
}

}  // namespace

std::int64_t in_row_bytes(const plan::Plan& plan, int cluster, const plan::GalapagosKernel& k) {
  return sources_row_bytes(plan, cluster, k, 0, false);
}

}  // namespace atl::codegen
