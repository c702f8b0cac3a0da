#include "codegen/hls_checks.h"

#include <fmt/format.h>

#include "codegen/ip.h"
#include "codegen/top_cpp.h"
#include "core/error.h"
#include "cost/cost.h"
#include "graph/knob_rules.h"

namespace atl::codegen {
namespace {

using graph::StageType;

std::string where(const plan::Plan& plan, const ClusterView& view, const plan::GalapagosKernel& k) {
  return fmt::format("cluster_{}/{} ({})", view.index, ip_name(k.id), describe(plan, k));
}

// What a stage's M or K is, for messages.
std::string width_name(graph::StageType type, bool of_k) {
  switch (type) {
    case StageType::linear:
      return of_k ? "input width K" : "output rows M";
    case StageType::attention_matmul:
    case StageType::softmax_matmul:
      return of_k ? "head width K" : "keys M";
    default:
      return of_k ? "K" : "channels M";
  }
}

void check_knobs(const plan::Plan& plan, const ClusterView& view, const plan::GalapagosKernel& k,
                 const graph::Kernel& g) {
  for (std::size_t i = 0; i < g.stages.size(); ++i) {
    const graph::Stage& s = g.stages[i];
    if (s.knobs.aie > 0) {
      throw core::Error(
          core::ErrorKind::unsupported,
          fmt::format("{}: stage {} ({}) runs on {} AI Engine tiles (knob aie): "
                      "atoll build generates HLS only, no AI Engine graphs; map "
                      "without --aie to build",
                      where(plan, view, k), i, graph::to_string(s.type), s.knobs.aie));
    }
    for (const graph::KnobRequirement& r : graph::knob_requirements(s)) {
      const std::int64_t width = r.of_k ? s.k : s.m;
      if (r.value >= 1 && width % r.value == 0) continue;
      throw core::Error(fmt::format("{}: stage {} ({}): {} = {} does not divide its {} = {}",
                                    where(plan, view, k), i, graph::to_string(s.type), r.knob,
                                    r.value, width_name(s.type, r.of_k), width));
    }
  }
}

void check_dsps(const plan::Plan& plan, const ClusterView& view, const plan::GalapagosKernel& k,
                const graph::Kernel& g, const hw::Device& device) {
  const std::int64_t dsps = cost::kernel_cost(g, device).resources.dsp;
  if (dsps > device.resources.dsp) {
    throw core::Error(core::ErrorKind::does_not_fit,
                      fmt::format("{}: its knobs need {} DSPs (cost model, docs/cost-model.md) "
                                  "but board {} has {} (catalogue resources.dsp)",
                                  where(plan, view, k), dsps, device.name, device.resources.dsp));
  }
}

// The TDEST a packet to `a` leaves a kernel of cluster `cluster` with (kernels/hls/beat.h): the
// dest's ID in the cluster, else the dest cluster's index, or kHostDest for the host.
constexpr std::uint32_t kHostDest = 255;
std::uint32_t tdest(const plan::GalapagosAddress& a, int cluster) {
  if (a.cluster == plan::GalapagosAddress::kHost) return kHostDest;
  return a.cluster == cluster ? a.id : static_cast<std::uint32_t>(a.cluster);
}

void check_remote_dests(const plan::Plan& plan, const ClusterView& view,
                        const plan::GalapagosKernel& k) {
  for (const plan::GalapagosAddress& remote : k.dests) {
    if (remote.cluster == view.index) continue;
    for (const plan::GalapagosAddress& local : k.dests) {
      if (local.cluster != view.index || local.id != tdest(remote, view.index)) continue;
      throw core::Error(
          core::ErrorKind::unsupported,
          fmt::format("{}: sends to {} (TDEST {}) and to local kernel {}: one TDEST for two "
                      "destinations",
                      where(plan, view, k),
                      remote.cluster == plan::GalapagosAddress::kHost
                          ? std::string("the host")
                          : fmt::format("cluster_{}", remote.cluster),
                      tdest(remote, view.index), local.id));
    }
  }
}

}  // namespace

const hw::Device& catalogue_device(const plan::Plan& plan, int node,
                                   const hw::Catalogue& catalogue) {
  const hw::Node& n = plan.cluster.nodes[static_cast<std::size_t>(node)];
  const auto it = catalogue.find(n.device.name);
  if (it == catalogue.end()) {
    throw core::Error(
        fmt::format("plan: cluster.nodes[{}] ({}): board '{}' is not in the device catalogue", node,
                    n.name, n.device.name));
  }
  return it->second;
}

void check_buildable(const plan::Plan& plan, const ClusterView& view,
                     const hw::Catalogue& catalogue) {
  for (const plan::GalapagosKernel& k : view.cluster->kernels) {
    check_remote_dests(plan, view, k);  // virtual kernels too: kernel 0 sends for them
    if (k.kind != plan::GalapagosKind::compute) continue;
    wrapper_of(plan, view, k);  // throws when no wrapper implements its stage list
    const graph::Kernel& g = graph_kernel(plan, k);
    check_knobs(plan, view, k, g);
    check_dsps(plan, view, k, g, catalogue_device(plan, k.node, catalogue));
  }
}

}  // namespace atl::codegen
