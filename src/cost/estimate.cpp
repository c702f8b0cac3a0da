#include "cost/estimate.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"
#include "hw/aie.h"

namespace atl::cost {
namespace {

// Source and sink are the host's ends of the encoder (input injection, output collection): they
// occupy no FPGA logic, so they cost nothing.
bool is_endpoint(const graph::Kernel& k) {
  return graph::is_endpoint(k.role);
}

// The row interval each kernel keeps while a sequence streams. Kernels joined by a bounded FIFO
// move rows at one pace, the slowest one's: a consumer waits for its producer, and a producer
// stalls once it is a few rows ahead of a slower consumer (the host's input broadcast feeds Q, K
// and V at the pace of the slowest of them). Second operands (port 1) and every input of a kernel
// that holds a whole port-1 sequence are buffered whole sequences deep and do not join kernels
// (sim/model.cpp sizes the FIFOs the same way).
std::vector<double> paces(const graph::Graph& graph, const std::vector<KernelCost>& costs,
                          const std::vector<double>& own_row_s) {
  std::vector<int> root(graph.kernels.size());
  for (std::size_t k = 0; k < root.size(); ++k) root[k] = static_cast<int>(k);
  auto find = [&](int k) {
    while (root[k] != k) k = root[k] = root[root[k]];
    return k;
  };
  for (const graph::Stream& st : graph.streams) {
    if (st.port == 1 || costs[st.consumer].waits_for_port1_sequence) continue;
    root[find(st.producer)] = find(st.consumer);
  }
  std::vector<double> slowest(root.size(), 0), pace(root.size());
  for (std::size_t k = 0; k < root.size(); ++k) {
    double& s = slowest[find(static_cast<int>(k))];
    s = std::max(s, own_row_s[k]);
  }
  for (std::size_t k = 0; k < root.size(); ++k) pace[k] = slowest[find(static_cast<int>(k))];
  return pace;
}

}  // namespace

std::vector<KernelCost> kernel_costs(const graph::Graph& graph, const hw::Cluster& cluster,
                                     const std::vector<int>& node_of_kernel) {
  std::vector<KernelCost> costs(graph.kernels.size());
  for (std::size_t k = 0; k < graph.kernels.size(); ++k) {
    if (is_endpoint(graph.kernels[k])) continue;
    costs[k] = kernel_cost(graph.kernels[k], cluster.nodes.at(node_of_kernel.at(k)).device);
  }
  return costs;
}

Estimate estimate(const graph::Graph& graph, const hw::Cluster& cluster,
                  const std::vector<int>& node_of_kernel) {
  const std::size_t n = graph.kernels.size();
  const std::vector<KernelCost> costs = kernel_costs(graph, cluster, node_of_kernel);
  const double rows = static_cast<double>(graph.seq_len);
  auto clock_hz = [&](int k) {
    return cluster.nodes[node_of_kernel[k]].device.kernel_clock_mhz * 1e6;
  };

  Estimate e;
  e.nodes.resize(cluster.nodes.size());
  double slowest_s = 0;  // time per sequence of the slowest kernel or link
  std::vector<double> own_row_s(n);
  for (std::size_t k = 0; k < n; ++k) {
    const KernelCost& c = costs[k];
    NodeEstimate& ne = e.nodes[node_of_kernel[k]];
    ne.resources += c.resources;
    ne.cycles_per_token = std::max(ne.cycles_per_token, static_cast<double>(c.cycles_per_token));
    own_row_s[k] = c.cycles_per_token / clock_hz(k);
    slowest_s = std::max(slowest_s, rows * own_row_s[k]);
  }
  const std::vector<double> pace = paces(graph, costs, own_row_s);

  // Per stream: when its first and last rows reach the consumer.
  std::vector<std::vector<int>> inputs(n);
  for (std::size_t s = 0; s < graph.streams.size(); ++s) {
    inputs[graph.streams[s].consumer].push_back(static_cast<int>(s));
  }
  std::vector<double> egress_s(cluster.nodes.size()), ingress_s(cluster.nodes.size());
  std::vector<double> first_out(n, 0), last_out(n, 0);
  double latency_s = 0;
  // Stream costs once. Rows that leave an FPGA share its uplink, and rows that enter one share
  // its downlink: while a sequence streams, every producer on a node sends at once (a bcast or
  // scatter also sends its copies one after another), so a remote row arrives no more often
  // than the wire time of one row of every remote stream leaving its node, or entering the
  // consumer's node, whichever is longer.
  const std::size_t streams = graph.streams.size();
  std::vector<StreamCost> stream_costs(streams);
  std::vector<int> stream_hops(streams);
  std::vector<double> egress_row_s(cluster.nodes.size(), 0), ingress_row_s(cluster.nodes.size(), 0);
  for (std::size_t s = 0; s < streams; ++s) {
    const graph::Stream& st = graph.streams[s];
    const int from = node_of_kernel[st.producer], to = node_of_kernel[st.consumer];
    stream_hops[s] = hw::hops(cluster, from, to);
    stream_costs[s] = stream_cost(st, graph, cluster.network, stream_hops[s]);
    if (stream_hops[s] > 0) {
      egress_row_s[from] += stream_costs[s].seconds_per_token;
      ingress_row_s[to] += stream_costs[s].seconds_per_token;
    }
  }
  for (int k : graph::topological_order(graph)) {
    const KernelCost& c = costs[k];
    double ready_first = 0, ready_last = 0;
    for (int s : inputs[k]) {
      const graph::Stream& st = graph.streams[s];
      const int from = node_of_kernel[st.producer], to = node_of_kernel[k];
      const int hops = stream_hops[s];
      const StreamCost& sc = stream_costs[s];
      // On chip a row moves through the AXIS switch one flit per cycle of the producer's clock.
      const double row_s = hops == 0 ? sc.on_chip_cycles_per_token / clock_hz(st.producer)
                                     : std::max(egress_row_s[from], ingress_row_s[to]);
      const double alpha = hops == 0 ? 0 : sc.latency_s;
      // The first row waits for its own copy only; later rows come at the shared interval.
      const double first_in =
          first_out[st.producer] + alpha + (hops == 0 ? row_s : sc.seconds_per_token);
      const double last_in =
          std::max(last_out[st.producer] + alpha + row_s, first_in + (rows - 1) * row_s);
      // Attention and context hold a whole sequence of K (V) before their first output row.
      const bool barrier = c.waits_for_port1_sequence && st.port == 1;
      ready_first = std::max(ready_first, barrier ? last_in : first_in);
      ready_last = std::max(ready_last, last_in);
      if (hops > 0) {
        const double wire_s = sc.sequence_s - sc.latency_s;
        egress_s[from] += wire_s;
        ingress_s[to] += wire_s;
      }
    }
    const double first_row_s = (c.fill_cycles + c.cycles_per_token) / clock_hz(k);
    first_out[k] = ready_first + first_row_s;
    last_out[k] = std::max(first_out[k] + (rows - 1) * pace[k], ready_last + first_row_s);
    latency_s = std::max(latency_s, last_out[k]);
  }
  for (std::size_t node = 0; node < cluster.nodes.size(); ++node) {
    slowest_s = std::max({slowest_s, egress_s[node], ingress_s[node]});
  }
  e.latency_us = latency_s * 1e6;
  e.throughput_seq_per_s = slowest_s > 0 ? 1.0 / slowest_s : 0;
  return e;
}

void check_fits(const Estimate& estimate, const hw::Cluster& cluster) {
  for (std::size_t n = 0; n < cluster.nodes.size() && n < estimate.nodes.size(); ++n) {
    const hw::Resources& used = estimate.nodes[n].resources;
    const hw::Resources have = hw::capacity(cluster.nodes[n].device);
    for (hw::Resource res : hw::kResources) {
      if (used[res] <= have[res]) continue;
      throw core::Error(core::ErrorKind::does_not_fit,
                        fmt::format("placement: node '{}' ({}) needs {} {} but the device has {}",
                                    cluster.nodes[n].name, cluster.nodes[n].device.name,
                                    hw::format_amount(res, used[res]), hw::to_string(res),
                                    hw::format_amount(res, have[res])));
    }
  }
}

}  // namespace atl::cost
