#include "map/mapper.h"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <optional>

#include "core/error.h"
#include "map/knob_search.h"
#include "map/pipeline.h"

namespace atl::map {
namespace {

// How many rates slower than the fastest feasible one the objective gets to compare. The
// latency of one sequence is not monotone in the rate (slower knobs may save a network hop), so
// a short look beyond the fastest packing pays; longer looks only found slower plans.
constexpr int kAlternatives = 4;
// Bound on the per-role refinement after the uniform rate (each evaluation packs the whole
// graph once): enough for every role of an encoder layer to step a few times.
constexpr int kMaxEvaluations = 30;

// Strictly better by the objective; throughput ties go to the lower latency.
bool better(const cost::Estimate& e, const cost::Estimate& than, Objective objective) {
  if (objective == Objective::latency) return e.latency_us < than.latency_us;
  return e.throughput_seq_per_s > than.throughput_seq_per_s ||
         (e.throughput_seq_per_s == than.throughput_seq_per_s && e.latency_us < than.latency_us);
}

// Kernels of one role are identical across layers when built from one KnobMap, so each role
// is costed once per board. Source and sink are host endpoints and cost nothing.
std::vector<Resources> role_demand(const graph::Graph& g, const hw::Device& device) {
  std::map<graph::Role, Resources> by_role;
  std::vector<Resources> out(g.kernels.size());
  for (std::size_t k = 0; k < g.kernels.size(); ++k) {
    const graph::Kernel& kernel = g.kernels[k];
    if (graph::is_endpoint(kernel.role)) continue;
    auto it = by_role.find(kernel.role);
    if (it == by_role.end()) {
      Resources r;
      try {
        r = cost::kernel_cost(kernel, device).resources;
      } catch (const core::Error& e) {
        if (e.kind() != core::ErrorKind::unsupported) throw;
        // Knobs chosen for the first board that this board cannot build: it cannot host the
        // kernel at all, which an amount no budget reaches says to the packer.
        for (Resource res : kResources) r[res] = std::int64_t{1} << 60;
      }
      it = by_role.emplace(kernel.role, r).first;
    }
    out[k] = it->second;
  }
  return out;
}

Demand cluster_demand(const graph::Graph& g, const hw::Cluster& cluster) {
  Demand d;
  for (const hw::Node& n : cluster.nodes) {
    if (!d.contains(n.device.name)) d.emplace(n.device.name, role_demand(g, n.device));
  }
  return d;
}

struct Candidate {
  graph::Graph graph;
  PipelinePlacement placement;
};

std::optional<Candidate> try_knobs(const model::ModelConfig& config, const graph::KnobMap& knobs,
                                   const hw::Cluster& cluster, const Caps& caps, bool refine) {
  Candidate c{graph::build_graph(config, knobs), {}};
  const auto placed =
      place_pipeline(c.graph, cluster_demand(c.graph, cluster), cluster, caps, refine);
  if (!placed) return std::nullopt;
  c.placement = *placed;
  return c;
}

hw::Cluster copies_of(const hw::Cluster& cluster, int nodes) {
  hw::Cluster c = cluster;
  c.nodes.assign(nodes, cluster.nodes[0]);
  for (int i = 0; i < nodes; ++i) c.nodes[i].name = fmt::format("n{}", i);
  return c;
}

// The model does not fit even at its slowest, smallest knobs: say what runs out and how many
// boards like the cluster's first would hold it.
[[noreturn]] void throw_does_not_fit(const model::ModelConfig& config, const hw::Cluster& cluster,
                                     const Caps& caps, const KnobSearch& search) {
  const hw::Device& board = cluster.nodes[0].device;
  const std::string head = fmt::format(
      "model '{}' ({} layers) does not fit on cluster '{}' ({} nodes) even with its smallest "
      "knobs",
      config.name, config.layers, cluster.name, cluster.nodes.size());
  if (const std::string why = search.oversized_role(); !why.empty()) {
    throw core::Error(core::ErrorKind::does_not_fit,
                      fmt::format("{}: {}; no number of {} boards helps", head, why, board.name));
  }
  const auto knobs = search.knobs_for(search.rates().back());
  if (!knobs) {
    throw core::Error(core::ErrorKind::does_not_fit,
                      fmt::format("{}: no knobs reach any rate on {}", head, board.name));
  }
  const graph::Graph g = graph::build_graph(config, *knobs);
  const Demand demand{{board.name, role_demand(g, board)}};
  Resources need, offer;
  for (const Resources& r : demand.at(board.name)) need += r;
  for (const hw::Node& n : cluster.nodes) offer += budget(n.device, caps);

  Resources one = budget(board, caps);
  int lower = 1;  // nodes the totals alone demand
  Resource worst = Resource::lut;
  double worst_ratio = -1;
  for (Resource res : kResources) {
    if (need[res] == 0) continue;
    const double ratio = static_cast<double>(need[res]) / static_cast<double>(offer[res]);
    if (ratio > worst_ratio) worst_ratio = ratio, worst = res;
    if (one[res] > 0) {
      lower = std::max(lower, static_cast<int>((need[res] + one[res] - 1) / one[res]));
    }
  }
  // Smallest homogeneous cluster: grow until the pipeline packs, then the DP's own count is the
  // minimum (it uses the fewest nodes it can).
  int smallest = -1;
  for (int size = std::max(lower, static_cast<int>(cluster.nodes.size()) + 1); smallest < 0;
       size *= 2) {
    if (const auto p = place_pipeline(g, demand, copies_of(cluster, size), caps, false)) {
      smallest = p->nodes_used;
    }
    if (size > 1 << 16) break;
  }
  const std::string shortage =
      need[worst] > offer[worst]
          ? fmt::format("{} runs out: needs {}, the nodes offer {} within the caps (short by {})",
                        to_string(worst), format_amount(worst, need[worst]),
                        format_amount(worst, offer[worst]),
                        format_amount(worst, need[worst] - offer[worst]))
          : fmt::format(
                "no resource runs out in total ({} is tightest at {:.0f}% of the capped "
                "total) but the kernels do not pack into {} nodes",
                to_string(worst), 100 * worst_ratio, cluster.nodes.size());
  throw core::Error(core::ErrorKind::does_not_fit,
                    fmt::format("{}: {}; the smallest cluster that fits is {} x {}", head, shortage,
                                smallest, board.name));
}

Mapping finish(Candidate c, const hw::Cluster& cluster) {
  Mapping m;
  m.estimate = cost::estimate(c.graph, cluster, c.placement.node_of_kernel);
  m.graph = std::move(c.graph);
  m.node_of_kernel = std::move(c.placement.node_of_kernel);
  return m;
}

// Spare room after the uniform rate: speed up one role at a time (its next faster knobs) and
// keep the change if it still packs and the objective improves. This is where a role on the
// critical path (Q/K/V before the attention barrier) or the lone bottleneck gets split or
// widened beyond the others. `rate` indexes the uniform rate `knobs` were chosen for.
void refine_roles(const model::ModelConfig& config, const hw::Cluster& cluster, Objective objective,
                  const Caps& caps, const KnobSearch& search, std::size_t rate,
                  graph::KnobMap& knobs, cost::Estimate& best) {
  const std::vector<std::int64_t>& rates = search.rates();
  std::map<graph::Role, std::size_t> cap;  // per role: index into rates of its current limit
  const std::vector<graph::Role> roles = graph::compute_roles(config.architecture);
  for (graph::Role role : roles) cap[role] = rate;
  int evaluations = 0;
  for (bool improved = true; improved && evaluations < kMaxEvaluations;) {
    improved = false;
    for (graph::Role role : roles) {
      if (evaluations >= kMaxEvaluations) break;
      std::optional<graph::RoleKnobs> faster;
      std::size_t next = cap[role];
      while (next > 0 && !faster) {  // the next rate at which this role's knobs change
        --next;
        faster = search.role_knobs(role, rates[next]);
        if (!faster) break;
        if (*faster == knobs[role]) faster.reset();
      }
      if (!faster) continue;
      graph::KnobMap trial = knobs;
      trial[role] = *faster;
      ++evaluations;
      auto c = try_knobs(config, trial, cluster, caps, false);
      if (!c) continue;
      const cost::Estimate e = cost::estimate(c->graph, cluster, c->placement.node_of_kernel);
      if (!better(e, best, objective)) continue;
      knobs = trial;
      best = e;
      cap[role] = next;
      improved = true;
    }
  }
}

}  // namespace

Objective parse_objective(const std::string& text) {
  if (text == "latency") return Objective::latency;
  if (text == "throughput") return Objective::throughput;
  throw core::Error(fmt::format("objective '{}': expected latency or throughput", text));
}

const char* to_string(Objective objective) {
  return objective == Objective::latency ? "latency" : "throughput";
}

Mapping map_automatic(const model::ModelConfig& config, const hw::Cluster& cluster,
                      Objective objective, const Caps& caps) {
  if (cluster.nodes.empty()) throw core::Error(fmt::format("cluster '{}': no nodes", cluster.name));
  const KnobSearch search(config, cluster.nodes[0].device, caps);
  const std::vector<std::int64_t>& rates = search.rates();

  // Feasibility is monotone in the rate up to first-fit packing noise: a slower rate never needs
  // more of any resource. Binary search for the fastest feasible rate.
  auto feasible = [&](std::size_t i) -> std::optional<Candidate> {
    const auto knobs = search.knobs_for(rates[i]);
    if (!knobs) return std::nullopt;
    return try_knobs(config, *knobs, cluster, caps, false);
  };
  std::size_t hi = rates.size() - 1;
  if (!feasible(hi)) throw_does_not_fit(config, cluster, caps, search);
  std::size_t lo = 0;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (feasible(mid))
      hi = mid;
    else
      lo = mid + 1;
  }

  std::optional<graph::KnobMap> best_knobs;
  cost::Estimate best;
  std::size_t best_rate = 0;
  for (std::size_t i = lo; i < rates.size() && i < lo + 1 + kAlternatives; ++i) {
    const auto knobs = search.knobs_for(rates[i]);
    if (!knobs) continue;
    auto c = try_knobs(config, *knobs, cluster, caps, false);
    if (!c) continue;
    const cost::Estimate e = cost::estimate(c->graph, cluster, c->placement.node_of_kernel);
    if (!best_knobs || better(e, best, objective)) {
      best_knobs = knobs;
      best = e;
      best_rate = i;
    }
  }

  refine_roles(config, cluster, objective, caps, search, best_rate, *best_knobs, best);
  return finish(*try_knobs(config, *best_knobs, cluster, caps, true), cluster);
}

Mapping map_with_knobs(const model::ModelConfig& config, const graph::KnobMap& knobs,
                       const hw::Cluster& cluster, const Caps& caps) {
  if (cluster.nodes.empty()) throw core::Error(fmt::format("cluster '{}': no nodes", cluster.name));
  // Knobs the first board cannot build are the user's error, not a capacity problem: let the
  // cost model say which kernel and knob (the packer would only see "does not fit").
  const graph::Graph g = graph::build_graph(config, knobs);
  for (const graph::Kernel& k : g.kernels) {
    if (k.layer == 0 && k.part == 0 && k.head <= 0) cost::kernel_cost(k, cluster.nodes[0].device);
  }
  auto c = try_knobs(config, knobs, cluster, caps, true);
  if (!c) {
    throw core::Error(core::ErrorKind::does_not_fit,
                      fmt::format("model '{}' with the given knobs does not fit on cluster '{}' "
                                  "({} nodes) within the caps",
                                  config.name, cluster.name, cluster.nodes.size()));
  }
  return finish(std::move(*c), cluster);
}

Mapping map_manual(graph::Graph graph, const hw::Cluster& cluster,
                   std::vector<int> node_of_kernel) {
  Mapping m;
  m.estimate = cost::estimate(graph, cluster, node_of_kernel);
  cost::check_fits(m.estimate, cluster);
  m.graph = std::move(graph);
  m.node_of_kernel = std::move(node_of_kernel);
  return m;
}

}  // namespace atl::map
