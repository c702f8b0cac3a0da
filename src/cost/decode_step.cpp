// Pass timing of a placed decoder graph (cost/decode_step.h; docs/simulation.md, "Decoders").
#include "cost/decode_step.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "core/error.h"

namespace atl::cost {

DecodeModel decode_model(const graph::Graph& g, const hw::Cluster& cluster,
                         const std::vector<int>& node_of_kernel,
                         const std::vector<KernelMemory>& memory, bool ideal_network,
                         bool with_streams) {
  const std::size_t n = g.kernels.size();
  if (!memory.empty() && memory.size() != n) {
    throw core::Error(fmt::format("memory placement: {} entries for {} kernels", memory.size(), n));
  }
  DecodeModel m;
  m.node_of_kernel = node_of_kernel;
  m.kernels.reserve(n);
  using Key = std::tuple<graph::Role, std::string, int, int, std::vector<std::int64_t>>;
  std::map<Key, int> classes;
  std::map<std::pair<int, graph::Role>, int> engines;
  for (std::size_t k = 0; k < n; ++k) {
    const graph::Kernel& kernel = g.kernels[k];
    const hw::Device& d = cluster.nodes.at(node_of_kernel.at(k)).device;
    const KernelMemory km = memory.empty() ? KernelMemory{} : memory[k];
    std::vector<std::int64_t> stages;
    for (const graph::Stage& s : kernel.stages) {
      stages.insert(stages.end(), {static_cast<std::int64_t>(s.type), s.m, s.k, s.knobs.tile,
                                   s.knobs.pe, s.knobs.unroll});
    }
    const auto [it, added] = classes.emplace(Key{kernel.role, d.name, static_cast<int>(km.weights),
                                                 static_cast<int>(km.kv), std::move(stages)},
                                             static_cast<int>(k));
    m.cost_class.push_back(it->second);
    std::int64_t kv_heads = 0;  // an attention kernel's: its query heads over the group size
    if (!kernel.stages.empty() && kernel.stages[0].type == graph::StageType::decoder_attention &&
        g.kv_heads > 0) {
      kv_heads = std::max<std::int64_t>(1, kernel.stages[0].knobs.tile / (g.heads / g.kv_heads));
    }
    m.kernels.push_back(added ? decode_kernel_cost(kernel, d, km, kv_heads)
                              : m.kernels[it->second]);
    m.seconds_per_cycle.push_back(1e-6 / d.kernel_clock_mhz);
    const auto engine = engines.emplace(std::pair{node_of_kernel[k], kernel.role},
                                        static_cast<int>(engines.size()));
    m.engine_of_kernel.push_back(engine.first->second);
  }
  m.engines = static_cast<int>(engines.size());
  for (const hw::Node& node : cluster.nodes) {
    m.node_bytes_per_s.push_back(offchip_bytes_per_s(node.device));
  }
  if (!with_streams) return m;
  m.order = graph::topological_order(g);
  m.inputs.resize(n);
  m.outputs.resize(n);
  for (std::size_t s = 0; s < g.streams.size(); ++s) {
    const graph::Stream& st = g.streams[s];
    m.inputs[st.consumer].push_back(static_cast<int>(s));
    m.outputs[st.producer].push_back(static_cast<int>(s));
    const int a = node_of_kernel[st.producer], b = node_of_kernel[st.consumer];
    const int hops = hw::hops(cluster, a, b);
    m.stream_hops.push_back(hops);
    const StreamCost c = stream_cost(st, g, cluster.network, hops);
    if (hops == 0) {
      m.stream_alpha_s.push_back(0);
      m.stream_row_s.push_back(static_cast<double>(c.on_chip_cycles_per_token) *
                               m.seconds_per_cycle[st.producer]);
    } else {
      m.stream_alpha_s.push_back(ideal_network ? 0 : c.latency_s);
      m.stream_row_s.push_back(ideal_network ? 0 : c.seconds_per_token);
    }
  }
  return m;
}

PassTiming time_pass(const graph::Graph& g, const DecodeModel& m, const Pass& pass) {
  const std::size_t n = g.kernels.size();
  const std::size_t nodes = m.node_bytes_per_s.size();
  PassTiming t;
  t.kernels.assign(n, {});
  t.streams.assign(g.streams.size(), {});
  std::vector<double> memory_free(nodes, 0), up_free(nodes, 0), down_free(nodes, 0);
  std::vector<double> engine_free(static_cast<std::size_t>(m.engines), 0);
  const double rows = static_cast<double>(pass.rows * pass.sequences);
  std::vector<std::optional<PassCost>> costs(n);  // per cost class
  for (int k : m.order) {
    KernelSpan& span = t.kernels[k];
    double first_in = 0, last_in = 0;
    for (int s : m.inputs[k]) {
      if (t.streams[s].first_s > first_in) {
        first_in = t.streams[s].first_s;
        span.bound_by = s;
      }
      last_in = std::max(last_in, t.streams[s].last_s);
    }
    span.start_s = first_in;
    if (graph::is_endpoint(g.kernels[k].role)) {
      span.first_out_s = first_in;
      span.end_s = last_in;
    } else {
      std::optional<PassCost>& cached = costs[m.cost_class[k]];
      if (!cached) cached = pass_cost(m.kernels[k], pass);
      const PassCost& c = *cached;
      const double cycle = m.seconds_per_cycle[k];
      double& engine = engine_free[static_cast<std::size_t>(m.engine_of_kernel[k])];
      span.start_s = std::max(first_in, engine);
      span.first_out_s = span.start_s + static_cast<double>(c.first_row_cycles) * cycle;
      span.end_s = std::max(span.start_s + static_cast<double>(c.cycles) * cycle,
                            last_in + static_cast<double>(c.last_row_cycles) * cycle);
      if (c.offchip_bytes > 0) {
        const int node = m.node_of_kernel[k];
        const double begin = std::max(span.start_s, memory_free[node]);
        span.memory_end_s = begin + static_cast<double>(c.offchip_bytes) / m.node_bytes_per_s[node];
        memory_free[node] = span.memory_end_s;
        span.memory_bound = span.memory_end_s > span.first_out_s || span.memory_end_s > span.end_s;
        span.first_out_s = std::max(span.first_out_s, span.memory_end_s);
        span.end_s = std::max(span.end_s, span.memory_end_s);
      }
      engine = span.end_s;
    }
    for (int s : m.outputs[k]) {
      StreamSpan& out = t.streams[s];
      const double row = m.stream_row_s[s];
      if (m.stream_hops[s] == 0) {
        out.first_s = span.first_out_s + row;
        out.last_s = span.end_s + row;
        continue;
      }
      const int a = m.node_of_kernel[k], b = m.node_of_kernel[g.streams[s].consumer];
      const double begin = std::max({span.first_out_s, up_free[a], down_free[b]});
      const double wire_done = begin + rows * row;
      up_free[a] = down_free[b] = wire_done;
      out.first_s = begin + row + m.stream_alpha_s[s];
      out.last_s = std::max(span.end_s + row, wire_done) + m.stream_alpha_s[s];
    }
  }
  for (const KernelSpan& s : t.kernels) t.seconds = std::max(t.seconds, s.end_s);
  return t;
}

std::vector<PathLink> critical_path(const graph::Graph& g, const DecodeModel& m,
                                    const PassTiming& t) {
  int k = -1;
  double latest = -1;
  for (std::size_t i = 0; i < g.kernels.size(); ++i) {
    if (graph::is_sink(g.kernels[i].role) && t.kernels[i].end_s > latest) {
      latest = t.kernels[i].end_s;
      k = static_cast<int>(i);
    }
  }
  std::vector<PathLink> path;
  while (k >= 0) {
    // The input whose last row came latest decided the end when the pipeline was not the bound.
    int s = t.kernels[k].bound_by;
    for (int in : m.inputs[k]) {
      if (s < 0 || t.streams[in].last_s > t.streams[s].last_s) s = in;
    }
    path.push_back({k, s});
    k = s >= 0 ? g.streams[s].producer : -1;
  }
  std::reverse(path.begin(), path.end());
  return path;
}

}  // namespace atl::cost
