#include "report/projection.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/error.h"
#include "cost/estimate.h"
#include "graph/architecture.h"
#include "graph/sublayer.h"
#include "plan/make_plan.h"
#include "report/work.h"
#include "sim/sim.h"

namespace atl::report {
namespace {

bool is_endpoint(const graph::Kernel& k) {
  return graph::is_endpoint(k.role);
}

// "l7.h3.attention" -> "l1.h3.attention" for a plan of 6 layers.
std::string name_in_plan(const graph::Kernel& k, std::int64_t plan_layers) {
  const std::string prefix = fmt::format("l{}.", k.layer);
  return fmt::format("l{}.{}", k.layer % plan_layers, k.name.substr(prefix.size()));
}

}  // namespace

const char* to_string(Method method) {
  switch (method) {
    case Method::replicated:
      return "replicated";
    case Method::mapped:
      return "mapped";
    case Method::aie_bound:
      return "aie_bound";
    case Method::mapped_aie:
      return "mapped_aie";
  }
  return "?";
}

Method parse_method(const std::string& text, const std::string& where) {
  for (Method m : {Method::replicated, Method::mapped, Method::aie_bound, Method::mapped_aie}) {
    if (text == to_string(m)) return m;
  }
  throw core::Error(fmt::format(
      "{}: method '{}' is not replicated, mapped, aie_bound or mapped_aie", where, text));
}

plan::Plan replicate_layers(const plan::Plan& plan, std::int64_t layers) {
  const graph::Graph& g = plan.graph;
  if (g.layers < 1 || layers < 1) {
    throw core::Error(
        fmt::format("replicate layers of plan '{}': layers must be >= 1 (plan has "
                    "{}, asked {})",
                    g.model, g.layers, layers));
  }
  model::ModelConfig config = graph::model_config(g);
  config.layers = layers;
  if (config.decoder) config.decoder->layers = layers;
  graph::Graph deep = graph::build_graph(config, graph::knobs_of(g));

  std::map<std::string, int> node_of_name;
  int source_node = -1, sink_node = -1;
  for (std::size_t k = 0; k < g.kernels.size(); ++k) {
    node_of_name[g.kernels[k].name] = plan.node_of_kernel[k];
    if (graph::is_source(g.kernels[k].role)) source_node = plan.node_of_kernel[k];
    if (graph::is_sink(g.kernels[k].role)) sink_node = plan.node_of_kernel[k];
  }
  const int nodes = static_cast<int>(plan.cluster.nodes.size());
  const std::int64_t copies = (layers + g.layers - 1) / g.layers;

  std::vector<int> placement(deep.kernels.size(), -1);
  for (std::size_t k = 0; k < deep.kernels.size(); ++k) {
    const graph::Kernel& kernel = deep.kernels[k];
    if (graph::is_source(kernel.role)) {
      placement[k] = source_node;
      continue;
    }
    if (graph::is_sink(kernel.role)) {
      placement[k] = sink_node + static_cast<int>(copies - 1) * nodes;
      continue;
    }
    auto it = node_of_name.find(name_in_plan(kernel, g.layers));
    if (it == node_of_name.end()) {
      throw core::Error(fmt::format(
          "replicate layers of plan '{}': kernel '{}' has no counterpart '{}' in the plan (is it "
          "an encoder graph from the same builder?)",
          g.model, kernel.name, name_in_plan(kernel, g.layers)));
    }
    placement[k] = it->second + static_cast<int>(kernel.layer / g.layers) * nodes;
  }

  hw::Cluster cluster = plan.cluster;
  cluster.name = fmt::format("{}-x{}", plan.cluster.name, copies);
  cluster.nodes.clear();
  for (std::int64_t c = 0; c < copies; ++c) {
    for (int n = 0; n < nodes; ++n) {
      hw::Node node = plan.cluster.nodes[n];
      node.name = fmt::format("fpga{}", c * nodes + n);
      cluster.nodes.push_back(std::move(node));
    }
  }
  cost::Estimate estimate = cost::estimate(deep, cluster, placement);
  cost::check_fits(estimate, cluster);
  // Every layer keeps the plan's knobs, so the plan's grouping fits each of them.
  return plan::make_plan(
      plan.model_config, std::move(deep), std::move(cluster), std::move(placement),
      std::move(estimate), plan::Objective::manual,
      plan.galapagos.grouping.empty() ? graph::single_cluster_grouping() : plan.galapagos.grouping);
}

void fill_energy(ProjectionRow& row) {
  const double watts = row.board_power_w * row.fpgas;
  row.energy_mj = watts * row.latency_us * 1e-3;
  row.energy_stream_mj = row.throughput_seq_per_s > 0 ? watts / row.throughput_seq_per_s * 1e3 : 0;
}

ProjectionRow project_plan(const plan::Plan& plan, Method method, std::int64_t sequences) {
  sim::Options options;
  options.sequences = sequences;
  const sim::Result r = sim::simulate(plan, options);
  std::set<int> used;
  for (std::size_t k = 0; k < plan.graph.kernels.size(); ++k) {
    if (!is_endpoint(plan.graph.kernels[k])) used.insert(plan.node_of_kernel[k]);
  }
  ProjectionRow row;
  row.model = plan.graph.model;
  row.method = method;
  row.fpgas = static_cast<int>(used.size());
  double watts = 0;
  std::set<std::string> boards;
  for (int n : used) {
    watts += plan.cluster.nodes[n].device.board_power_w;
    boards.insert(plan.cluster.nodes[n].device.name);
  }
  row.board = boards.size() == 1 ? *boards.begin() : "mixed";
  row.board_power_w = row.fpgas > 0 ? watts / row.fpgas : 0;
  row.latency_us = static_cast<double>(r.latency) / 1e6;
  row.analytic_latency_us = plan.estimate.latency_us;
  row.throughput_seq_per_s = r.throughput_seq_per_s;
  fill_energy(row);
  return row;
}

hw::Cluster board_cluster(const hw::Device& board, int fpgas, const hw::Network& network) {
  hw::Cluster cluster;
  cluster.name = fmt::format("{}x{}", fpgas, board.name);
  cluster.network = network;
  for (int i = 0; i < fpgas; ++i) cluster.nodes.push_back({fmt::format("fpga{}", i), board});
  return cluster;
}

ProjectionRow project_aie_bound(const model::ModelConfig& config, const hw::Device& board,
                                int fpgas, const hw::Network& network) {
  if (board.aie_tiles <= 0 || board.aie_int8_macs_per_cycle <= 0 || board.aie_clock_mhz <= 0) {
    throw core::Error(
        fmt::format("board '{}' has no AI Engines (aie_tiles, "
                    "aie.int8_macs_per_cycle_per_tile, aie.clock_mhz)",
                    board.name));
  }
  if (fpgas < 1) throw core::Error(fmt::format("AIE bound: fpgas must be >= 1, got {}", fpgas));
  const Work w = work_of(graph::build_graph(config));
  const double peak = static_cast<double>(board.aie_tiles) * board.aie_int8_macs_per_cycle *
                      board.aie_clock_mhz * 1e6;  // MAC/s per board
  // A layer pipeline: each layer runs on max(1, fpgas / layers) boards, one after the other.
  const double boards_per_layer =
      std::max(1.0, static_cast<double>(fpgas) / static_cast<double>(config.layers));
  double compute_s = w.macs / (peak * boards_per_layer);
  // Weights that do not fit on chip stream from off-chip memory once per inference.
  const double on_chip =
      static_cast<double>(board.resources.bram_bytes + board.resources.uram_bytes) * fpgas;
  std::string note = "analytic lower bound at the AIE peak";
  if (w.weight_bytes > on_chip && board.offchip_gbytes_per_s > 0) {
    compute_s = std::max(compute_s, w.weight_bytes / (fpgas * board.offchip_gbytes_per_s * 1e9));
    note += "; weights exceed on-chip memory, streamed from off-chip";
  }
  const int boundaries = std::min<int>(fpgas, static_cast<int>(config.layers)) - 1;
  ProjectionRow row;
  row.model = config.name;
  row.board = board.name;
  row.method = Method::aie_bound;
  row.fpgas = fpgas;
  row.latency_us = compute_s * 1e6 + boundaries * network.hop_latency_ns * 1e-3;
  row.throughput_seq_per_s = fpgas * peak / w.macs;
  row.board_power_w = board.board_power_w;
  row.note = note;
  fill_energy(row);
  return row;
}

}  // namespace atl::report
