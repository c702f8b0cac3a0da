// `atoll map`: model + cluster -> plan.json (knobs, placement, kernel IDs, routes, estimates),
// automatically or from a placement file (`atoll build` turns the plan into a Galapagos bundle).
// It also maps the other way for comparison (automatic vs. the published Cluster Builder knobs or
// the given placement), so one run shows what the search buys.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>

#include "cli/catalogue.h"
#include "cli/mapped_plan.h"
#include "cli/plan_table.h"
#include "cli/verbs.h"
#include "core/error.h"
#include "graph/cluster_builder.h"
#include "graph/encoder.h"
#include "hw/cluster.h"
#include "hw/device.h"
#include "map/mapper.h"
#include "map/placement.h"
#include "model/config.h"
#include "plan/plan.h"

namespace atl::cli {
namespace {

struct MapOptions {
  std::string model, cluster, objective = "latency", placement, caps, output;
  std::string knobs;  // Cluster Builder config.json; empty: the published knobs
  CatalogueOptions catalogue;
};

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
  const hw::Cluster cluster = hw::load_cluster(o.cluster, o.catalogue.load());
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
    } catch (const core::Error& e) {
      if (e.kind() != core::ErrorKind::does_not_fit) throw;
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

  plan::Plan p =
      mapped_plan(o.model, std::move(mapping), cluster,
                  o.placement.empty() ? plan_objective(objective) : plan::Objective::manual);

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
  add_catalogue_option(*cmd, o->catalogue);
  cmd->callback([o] { run(*o); });
}

}  // namespace atl::cli
