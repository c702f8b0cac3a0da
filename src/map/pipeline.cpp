#include "map/pipeline.h"

#include <algorithm>
#include <limits>
#include <map>

#include "map/group_milp.h"

namespace atl::map {
namespace {

// Largest number of FPGAs one group may span. Groups of 2-3 let the MILP interleave kernels that
// a strict chain cut would split badly (e.g. attention heads with their Q/K/V producers); more
// would make the MILP slow without helping encoder-shaped graphs.
constexpr int kMaxGroup = 3;

struct In {
  int from;      // producer position in the order
  double bytes;  // per token
};

// Kernel order: the graph's own when it is already topological (the encoder builder emits data-
// flow order, which keeps a layer's kernels together), otherwise a topological sort.
std::vector<int> kernel_order(const graph::Graph& g) {
  bool topo = true;
  for (const graph::Stream& s : g.streams) topo = topo && s.producer < s.consumer;
  if (!topo) return graph::topological_order(g);
  std::vector<int> order(g.kernels.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  return order;
}

// First-fit of positions [begin, end) into `budgets`, in order. Stops at the first kernel that
// fits nowhere. Because first-fit never moves an earlier kernel, the assignment of every prefix
// is a prefix of the assignment: one pass yields the result for every segment end.
struct FirstFit {
  std::vector<int> bin;          // per position from begin
  std::vector<double> internal;  // cut bytes inside the segment [begin, begin + i + 1)
};

// `demand_at[b]` is bin b's board's demand, by position.
FirstFit first_fit(int begin, int end, const std::vector<const std::vector<Resources>*>& demand_at,
                   const std::vector<Resources>& budgets, const std::vector<std::vector<In>>& in) {
  FirstFit ff;
  std::vector<Resources> used(budgets.size());
  double cut = 0;
  for (int pos = begin; pos < end; ++pos) {
    int chosen = -1;
    for (std::size_t b = 0; b < budgets.size() && chosen < 0; ++b) {
      Resources trial = used[b];
      trial += (*demand_at[b])[pos];
      if (fits(trial, budgets[b])) chosen = static_cast<int>(b);
    }
    if (chosen < 0) break;
    used[chosen] += (*demand_at[chosen])[pos];
    ff.bin.push_back(chosen);
    for (const In& e : in[pos]) {
      if (e.from >= begin && ff.bin[e.from - begin] != chosen) cut += e.bytes;
    }
    ff.internal.push_back(cut);
  }
  return ff;
}

// The MILP is indifferent to which of a group's identical boards gets which share; number them
// by the first kernel each holds so the plan reads in pipeline order (the source on node 0).
void relabel_in_pipeline_order(std::vector<int>& bins, const hw::Cluster& cluster, int first) {
  const int g = 1 + *std::max_element(bins.begin(), bins.end());
  for (int b = 1; b < g; ++b) {
    if (cluster.nodes[first + b].device.name != cluster.nodes[first].device.name) return;
  }
  std::vector<int> label(g, -1);
  int next = 0;
  for (int& b : bins) {
    if (label[b] < 0) label[b] = next++;
    b = label[b];
  }
}

// The MILP of the group [begin, end) over the given FPGAs; edges are the streams inside it.
GroupProblem group_problem(int begin, int end,
                           const std::vector<const std::vector<Resources>*>& demands,
                           const std::vector<Resources>& budgets,
                           const std::vector<std::vector<In>>& in) {
  GroupProblem problem;
  problem.budget = budgets;
  for (const auto* d : demands) problem.demand.emplace_back(d->begin() + begin, d->begin() + end);
  for (int p = begin; p < end; ++p) {
    for (const In& edge : in[p]) {
      if (edge.from >= begin) problem.edges.push_back({edge.from - begin, p - begin, edge.bytes});
    }
  }
  return problem;
}

// Encoder layers repeat, so the same group problem (with the same start) comes back once per
// layer: solve each once.
using Solutions = std::map<std::vector<std::int64_t>, std::vector<int>>;

std::vector<int> solve_once(const GroupProblem& problem, const std::vector<int>& start,
                            Solutions& solutions) {
  std::vector<std::int64_t> key(start.begin(), start.end());
  auto add = [&](const Resources& r) {
    for (Resource res : kResources) key.push_back(r[res]);
  };
  for (const auto& per_fpga : problem.demand) {
    for (const Resources& r : per_fpga) add(r);
  }
  for (const Resources& r : problem.budget) add(r);
  for (const auto& edge : problem.edges) {
    key.insert(key.end(), {edge.a, edge.b, static_cast<std::int64_t>(edge.weight)});
  }
  auto it = solutions.find(key);
  if (it == solutions.end()) it = solutions.emplace(key, assign_group(problem, start)).first;
  return it->second;
}

}  // namespace

std::optional<PipelinePlacement> place_pipeline(const graph::Graph& graph, const Demand& demand,
                                                const hw::Cluster& cluster, const Caps& caps,
                                                bool refine) {
  const std::vector<int> order = kernel_order(graph);
  const int n = static_cast<int>(order.size());
  const int nodes = static_cast<int>(cluster.nodes.size());
  std::vector<int> pos_of(n);
  for (int p = 0; p < n; ++p) pos_of[order[p]] = p;
  std::map<std::string, std::vector<Resources>> demand_at;  // by board, by position
  for (const hw::Node& node : cluster.nodes) {
    auto [it, added] = demand_at.try_emplace(node.device.name, n);
    if (!added) continue;
    const std::vector<Resources>& by_kernel = demand.at(node.device.name);
    for (int p = 0; p < n; ++p) it->second[p] = by_kernel[order[p]];
  }
  // Per node: its board's demand by position.
  std::vector<const std::vector<Resources>*> node_demand(nodes);
  for (int j = 0; j < nodes; ++j) node_demand[j] = &demand_at.at(cluster.nodes[j].device.name);
  std::vector<std::vector<In>> in(n);
  for (const graph::Stream& s : graph.streams) {
    in[pos_of[s.consumer]].push_back({pos_of[s.producer], static_cast<double>(s.bytes_per_token)});
  }
  std::vector<Resources> node_budget(nodes);
  for (int j = 0; j < nodes; ++j) node_budget[j] = budget(cluster.nodes[j].device, caps);

  // Groups of nodes with the same devices behave alike: key them by their device names so a
  // homogeneous cluster evaluates each (start, size) segment once.
  std::map<std::vector<std::string>, int> signature_ids;
  std::vector<std::vector<int>> signature(nodes, std::vector<int>(kMaxGroup + 1, -1));
  std::vector<std::vector<Resources>> signature_budgets;
  std::vector<std::vector<const std::vector<Resources>*>> signature_demand;
  for (int j = 0; j < nodes; ++j) {
    for (int g = 1; g <= kMaxGroup && j + g <= nodes; ++g) {
      std::vector<std::string> key;
      for (int b = j; b < j + g; ++b) key.push_back(cluster.nodes[b].device.name);
      auto [it, added] = signature_ids.emplace(key, static_cast<int>(signature_ids.size()));
      if (added) {
        signature_budgets.emplace_back(node_budget.begin() + j, node_budget.begin() + j + g);
        signature_demand.emplace_back(node_demand.begin() + j, node_demand.begin() + j + g);
      }
      signature[j][g] = it->second;
    }
  }

  constexpr double kInf = std::numeric_limits<double>::infinity();
  struct Cell {
    double cut = kInf;
    int prev_pos = -1, prev_node = -1;
  };
  std::vector<std::vector<Cell>> dp(n + 1, std::vector<Cell>(nodes + 1));
  dp[0][0].cut = 0;
  for (int i = 0; i < n; ++i) {
    // Bytes per token entering [i, e) from kernels before i, for every end e.
    std::vector<double> inbound{0};
    std::map<int, FirstFit> segments;  // by signature, computed on first use
    for (int j = 0; j < nodes; ++j) {
      if (dp[i][j].cut == kInf) continue;
      for (int g = 1; g <= kMaxGroup && j + g <= nodes; ++g) {
        const int sig = signature[j][g];
        auto it = segments.find(sig);
        if (it == segments.end()) {
          it = segments
                   .emplace(sig, first_fit(i, n, signature_demand[sig], signature_budgets[sig], in))
                   .first;
        }
        const FirstFit& ff = it->second;
        while (inbound.size() <= ff.bin.size()) {
          const int pos = i + static_cast<int>(inbound.size()) - 1;
          double add = 0;
          for (const In& e : in[pos]) add += e.from < i ? e.bytes : 0;
          inbound.push_back(inbound.back() + add);
        }
        int top = -1;  // highest FPGA of the group first-fit has used so far
        for (std::size_t len = 1; len <= ff.bin.size(); ++len) {
          top = std::max(top, ff.bin[len - 1]);
          // A group of g FPGAs that leaves one empty is never better than a smaller group.
          if (top < g - 1) continue;
          const double cut = dp[i][j].cut + inbound[len] + ff.internal[len - 1];
          Cell& to = dp[i + len][j + g];
          if (cut < to.cut) to = {cut, i, j};
        }
      }
    }
  }

  int used = -1;
  for (int j = 1; j <= nodes && used < 0; ++j) {
    if (dp[n][j].cut < kInf) used = j;
  }
  if (used < 0) return std::nullopt;

  PipelinePlacement out;
  Solutions solutions;
  out.node_of_kernel.assign(n, -1);
  out.nodes_used = used;
  out.cut_bytes_per_token = dp[n][used].cut;
  for (int e = n, j = used; e > 0;) {
    const Cell& c = dp[e][j];
    const int i = c.prev_pos, first = c.prev_node, g = j - first;
    const std::vector<Resources> budgets(node_budget.begin() + first, node_budget.begin() + j);
    const std::vector<const std::vector<Resources>*> demands(node_demand.begin() + first,
                                                             node_demand.begin() + j);
    std::vector<int> bins = first_fit(i, e, demands, budgets, in).bin;
    if (refine && g > 1) {
      GroupProblem problem = group_problem(i, e, demands, budgets, in);
      const double cut_before = cut_weight(problem, bins);
      bins = solve_once(problem, bins, solutions);
      out.cut_bytes_per_token -= cut_before - cut_weight(problem, bins);
      relabel_in_pipeline_order(bins, cluster, first);
    }
    for (int p = i; p < e; ++p) out.node_of_kernel[order[p]] = first + bins[p - i];
    e = i;
    j = first;
  }
  return out;
}

}  // namespace atl::map
