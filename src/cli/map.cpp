// `atoll map`: model + cluster -> plan.json (knobs, placement, kernel IDs, routes, estimates),
// automatically or from a placement file, optionally with the Galapagos logical/map XML. It also
// maps the other way for comparison (automatic vs. the published Cluster Builder knobs or the
// given placement), so one run shows what the search buys.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>

#include "cli/verbs.h"
#include "core/error.h"
#include "graph/cluster_builder.h"
#include "graph/encoder.h"
#include "hw/cluster.h"
#include "hw/device.h"
#include "map/mapper.h"
#include "map/placement.h"
#include "model/config.h"
#include "plan/galapagos_xml.h"
#include "plan/plan.h"

namespace atl::cli {
namespace {

struct MapOptions {
  std::string model, cluster, objective = "latency", placement, caps, output, xml_dir, catalogue;
  std::string knobs;  // Cluster Builder config.json; empty: the published knobs
};

double percent(std::int64_t used, std::int64_t have) {
  return have > 0 ? 100.0 * static_cast<double>(used) / static_cast<double>(have) : 0.0;
}

// "l0.q l0.k l0.v" for a few kernels, "first .. last (n)" for many.
std::string kernel_list(const plan::Plan& p, std::size_t node) {
  std::vector<std::string> names;
  for (std::size_t k = 0; k < p.graph.kernels.size(); ++k) {
    if (p.node_of_kernel[k] == static_cast<int>(node)) names.push_back(p.graph.kernels[k].name);
  }
  if (names.empty()) return "-";
  if (names.size() <= 4) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : " ") + n;
    return s;
  }
  return fmt::format("{} .. {} ({})", names.front(), names.back(), names.size());
}

void print_plan(const plan::Plan& p) {
  fmt::print("{:<10} {:<16} {:>6} {:>6} {:>6} {:>6}  {:>12}  {}\n", "node", "board", "DSP%", "LUT%",
             "BRAM%", "URAM%", "cycles/token", "kernels");
  for (std::size_t n = 0; n < p.cluster.nodes.size(); ++n) {
    const hw::Device& d = p.cluster.nodes[n].device;
    const plan::NodeEstimate& e = p.estimate.nodes[n];
    fmt::print("{:<10} {:<16} {:>6.1f} {:>6.1f} {:>6.1f} {:>6.1f}  {:>12.0f}  {}\n",
               p.cluster.nodes[n].name, d.name, percent(e.dsp, d.dsp), percent(e.lut, d.lut),
               percent(e.bram_bytes, d.bram_bytes), percent(e.uram_bytes, d.uram_bytes),
               e.cycles_per_token, kernel_list(p, n));
  }
}

// The knobs of every role, e.g. "ffn1  x3  linear tile 6 pe 4 | gelu unroll 4 | quant_act unroll
// 4".
void print_knobs(const graph::Graph& g) {
  const graph::SublayerKnobs knobs = graph::knobs_of(g);
  for (graph::Role role : graph::layer_roles()) {
    const graph::RoleKnobs& rk = knobs[role];
    const auto& types = graph::stage_types(role);
    std::string stages;
    for (std::size_t i = 0; i < types.size(); ++i) {
      const graph::Knobs& k = rk.stages[i];
      const bool matmul = types[i] == graph::StageType::linear;
      const bool pe_only = types[i] == graph::StageType::attention_matmul ||
                           types[i] == graph::StageType::softmax_matmul;
      stages += fmt::format("{}{} {}", i ? " | " : "", graph::to_string(types[i]),
                            matmul    ? fmt::format("tile {} pe {}", k.tile, k.pe)
                            : pe_only ? fmt::format("pe {}", k.pe)
                                      : fmt::format("unroll {}", k.unroll));
    }
    fmt::print("  {:<10} x{:<3} {}\n", graph::to_string(role), rk.partition, stages);
  }
}

void print_estimate(const std::string& label, const map::Estimate& e) {
  fmt::print("{:<46} latency {:>10.1f} us   throughput {:>10.1f} seq/s\n", label, e.latency_us,
             e.throughput_seq_per_s);
}

// The knobs a user brings from Cluster Builder, checked against the model they are used with.
graph::SublayerKnobs knobs_from(const std::string& path, const model::ModelConfig& config) {
  if (path.empty()) return graph::SublayerKnobs{};
  const graph::ClusterBuilderConfig cb = graph::load_cluster_builder_config(path);
  const model::ModelConfig& m = cb.model;
  if (m.hidden != config.hidden || m.heads != config.heads ||
      m.intermediate != config.intermediate || m.seq_len != config.seq_len) {
    throw core::Error(fmt::format(
        "{}: knobs for hidden {}, {} heads, FFN {}, {} tokens; model '{}' has hidden {}, {} heads, "
        "FFN {}, {} tokens",
        path, m.hidden, m.heads, m.intermediate, m.seq_len, config.name, config.hidden,
        config.heads, config.intermediate, config.seq_len));
  }
  graph::validate(cb.knobs, config);
  return cb.knobs;
}

void run(const MapOptions& o) {
  const model::ModelConfig config = model::load_model_config(o.model);
  const graph::SublayerKnobs given = knobs_from(o.knobs, config);
  const std::string given_label = o.knobs.empty() ? "published Cluster Builder knobs" : o.knobs;
  const hw::Catalogue catalogue = hw::load_catalogue(
      o.catalogue.empty() ? hw::default_catalogue_dir() : std::filesystem::path(o.catalogue));
  const hw::Cluster cluster = hw::load_cluster(o.cluster, catalogue);
  const map::Caps caps = map::parse_caps(o.caps);
  const map::Objective objective = map::parse_objective(o.objective);

  map::Mapping mapping;
  std::optional<map::Mapping> other;  // the comparison
  std::string label, other_label, other_error;
  if (!o.placement.empty()) {
    graph::Graph g = graph::build_encoder_graph(config, given);
    std::vector<int> node_of = map::load_placement(o.placement, g, cluster);
    mapping = map::map_manual(std::move(g), cluster, std::move(node_of));
    label = "placement " + o.placement + ":";
    other = map::map_automatic(config, cluster, objective, caps);
    other_label = fmt::format("automatic ({}):", map::to_string(objective));
  } else {
    mapping = map::map_automatic(config, cluster, objective, caps);
    label = fmt::format("automatic ({}):", map::to_string(objective));
    other_label = given_label + ":";
    try {
      other = map::map_with_knobs(config, given, cluster, caps);
    } catch (const core::Error&) {
      // The published design was built on real boards, so it fits them whole; the caps are the
      // automatic mapper's margin. Compare against it at 100% rather than not at all.
      try {
        other = map::map_with_knobs(config, given, cluster,
                                    map::parse_caps("lut=1,ff=1,dsp=1,bram=1,uram=1"));
        other_label = given_label + " (100% caps):";
      } catch (const core::Error& e) {
        other_error = e.what();
      }
    }
  }

  plan::Plan p;
  p.model_config = o.model;
  p.graph = std::move(mapping.graph);
  p.cluster = cluster;
  p.node_of_kernel = std::move(mapping.node_of_kernel);
  // Galapagos' 8-bit IDs when the kernels fit in them, wide IDs beyond (noted below).
  p.galapagos_compatible_ids = p.graph.kernels.size() <= 255;
  p.kernel_id = plan::assign_kernel_ids(p.graph, p.galapagos_compatible_ids);
  p.objective = o.placement.empty() ? map::to_string(objective) : "manual";
  p.estimate = mapping.estimate;

  fmt::print("model {} ({} layers) on cluster {} ({} nodes): {} kernels, {} streams\n", config.name,
             config.layers, cluster.name, cluster.nodes.size(), p.graph.kernels.size(),
             p.graph.streams.size());
  print_plan(p);
  fmt::print("knobs (role, partition, stages):\n");
  print_knobs(p.graph);
  print_estimate(label, p.estimate);
  if (other) print_estimate(other_label, other->estimate);
  if (!other_error.empty()) fmt::print("{} {}\n", other_label, other_error);
  if (!p.galapagos_compatible_ids) {
    fmt::print("note: {} kernels exceed Galapagos' 8-bit IDs; the plan uses wide IDs\n",
               p.graph.kernels.size());
  }
  plan::save_plan(p, o.output);
  fmt::print("plan: {}\n", o.output);
  if (!o.xml_dir.empty()) {
    plan::write_galapagos_xml(p, o.xml_dir);
    fmt::print("galapagos: {}/logical.xml, {}/map.xml\n", o.xml_dir, o.xml_dir);
  }
}

}  // namespace

void add_map(CLI::App& app) {
  auto o = std::make_shared<MapOptions>();
  CLI::App* cmd = app.add_subcommand(
      "map", "Map a model onto a cluster: choose knobs and placement, write plan.json");
  cmd->add_option("--model", o->model, "Model YAML (examples/models/*.yaml)")->required();
  cmd->add_option("--cluster", o->cluster, "Cluster YAML (examples/clusters/*.yaml)")->required();
  cmd->add_option("--objective", o->objective, "latency | throughput (automatic mapping)")
      ->check(CLI::IsMember({"latency", "throughput"}));
  cmd->add_option("--placement", o->placement,
                  "Manual placement YAML/JSON (node -> kernels), with the --knobs knobs");
  cmd->add_option("--caps", o->caps,
                  "Per-FPGA caps, e.g. lut=0.7,ff=0.7,dsp=0.8,bram=0.8,uram=0.8 (the defaults)");
  cmd->add_option("--knobs", o->knobs,
                  "Cluster Builder config.json whose knobs --placement (and the comparison) use; "
                  "default: the published config");
  cmd->add_option("-o,--output", o->output, "Plan JSON to write")->required();
  cmd->add_option("--galapagos-xml", o->xml_dir,
                  "Also write Galapagos logical.xml and map.xml into this directory");
  cmd->add_option("--catalogue", o->catalogue, "Device catalogue directory (default data/devices)");
  cmd->callback([o] { run(*o); });
}

}  // namespace atl::cli
