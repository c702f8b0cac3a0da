// `atoll map`: model + cluster -> plan.json (knobs, placement, Galapagos clusters, kernel IDs,
// routes, estimates), automatically, from a Cluster Builder config.json's knobs and grouping, or
// from a placement file (`atoll build` turns the plan into a Galapagos bundle). It also maps the
// other way for comparison (automatic vs. the published Cluster Builder knobs, a config's knobs or
// the given placement), so one run shows what the search buys. A decoder YAML is mapped
// automatically through its architecture's builder (docs/architecture.md).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>
#include <string>

#include "cli/catalogue.h"
#include "cli/mapped_plan.h"
#include "cli/plan_table.h"
#include "cli/verbs.h"
#include "core/error.h"
#include "cost/decode_fit.h"
#include "graph/architecture.h"
#include "graph/cluster_builder.h"
#include "hw/cluster.h"
#include "hw/device.h"
#include "map/decoder_mapper.h"
#include "map/engine_choice.h"
#include "map/mapper.h"
#include "map/placement.h"
#include "model/config.h"
#include "plan/galapagos.h"
#include "plan/make_plan.h"
#include "plan/plan.h"

namespace atl::cli {
namespace {

struct MapOptions {
  std::string model, cluster, objective = "latency", placement, caps, output;
  std::string knobs;        // Cluster Builder config.json; empty: the mapper's knobs and grouping
  std::int64_t batch = 1;   // decoders: throughput objective's batch
  std::int64_t prompt = 0;  // decoders: ttft objective's prompt (0: the context)
  int tensor_parallel = 0;  // decoders: the tensor-parallel degree (0: the mapper's choice)
  bool aie = false;         // let the mapper put matmuls on AI Engines
  CatalogueOptions catalogue;
};

// A Cluster Builder config.json a user brings, checked against the model it is used with.
std::optional<graph::ClusterBuilderConfig> cluster_builder_config(
    const std::string& path, const model::ModelConfig& config) {
  if (path.empty()) return std::nullopt;
  graph::ClusterBuilderConfig cb = graph::load_cluster_builder_config(path);
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
  return cb;
}

// The --caps, with AI Engines when --aie asks for them (every board must have some).
map::Caps caps_of(const MapOptions& o, const hw::Cluster& cluster) {
  const map::Caps caps = map::parse_caps(o.caps);
  return o.aie ? map::with_aie(caps, cluster) : caps;
}

// One line naming what atoll reads from the config but does not act on.
void print_ignored(const std::string& path, const graph::ClusterBuilderConfig& cb,
                   const model::ModelConfig& config) {
  std::vector<std::string> fields{fmt::format(
      "num_hidden_layers={} (the model's {} layers are mapped)", cb.model.layers, config.layers)};
  for (const graph::IgnoredField& f : cb.ignored) {
    fields.push_back(fmt::format("{}={} ({})", f.field, f.value, f.reason));
  }
  fmt::print("{}: ignored: {}\n", path, fmt::join(fields, "; "));
}

// The published design was built on real boards, so it fits them whole; the caps are the
// automatic mapper's margin. Places `knobs` within `caps` or, when that does not fit, at 100%
// (then `label` says so).
map::Mapping map_knobs_at_most_100(const model::ModelConfig& config, const graph::KnobMap& knobs,
                                   const hw::Cluster& cluster, const map::Caps& caps,
                                   std::string& label) {
  try {
    return map::map_with_knobs(config, knobs, cluster, caps);
  } catch (const core::Error& e) {
    if (e.kind() != core::ErrorKind::does_not_fit) throw;
  }
  label += " (100% caps)";
  return map::map_with_knobs(config, knobs, cluster,
                             map::parse_caps("lut=1,ff=1,dsp=1,bram=1,uram=1"));
}

std::string describe(const graph::Grouping& grouping) {
  std::vector<std::string> groups;
  for (const auto& g : grouping) {
    std::vector<std::string> names;
    for (graph::Sublayer s : g) names.push_back(graph::to_string(s));
    groups.push_back(fmt::format("[{}]", fmt::join(names, " ")));
  }
  return fmt::format("{}", fmt::join(groups, " "));
}

// Where a decoder plan keeps its weights and KV cache, and its fullest node.
void print_decoder_memory(const plan::Plan& p) {
  const cost::DecodeModel model =
      cost::decode_model(p.graph, p.cluster, p.node_of_kernel, p.memory, false, false);
  const std::vector<cost::NodeUse> use = cost::node_use(model, p.cluster.nodes.size());
  cost::NodeUse total;
  int off = 0;
  double dsp = 0, memory = 0;
  std::size_t fullest = 0;
  for (std::size_t n = 0; n < use.size(); ++n) {
    const cost::NodeUse& u = use[n];
    total.weights_on_chip += u.weights_on_chip;
    total.weights_off_chip += u.weights_off_chip;
    total.kv_on_chip += u.kv_on_chip;
    total.kv_off_chip += u.kv_off_chip;
    if (u.offchip_bytes > 0) ++off;
    const hw::Resources& have = p.cluster.nodes[n].device.resources;
    const double m = static_cast<double>(u.on_chip.uram_bytes + u.on_chip.bram_bytes) /
                     static_cast<double>(have.uram_bytes + have.bram_bytes);
    dsp = std::max(dsp, static_cast<double>(u.on_chip.dsp) / static_cast<double>(have.dsp));
    if (m > memory) memory = m, fullest = n;
  }
  constexpr double kMiB = 1 << 20;
  fmt::print(
      "weights: {:.1f} MiB on chip, {:.1f} MiB off chip; KV cache: {:.1f} MiB on chip, "
      "{:.1f} MiB off chip; {} nodes use off-chip memory\n",
      total.weights_on_chip / kMiB, total.weights_off_chip / kMiB, total.kv_on_chip / kMiB,
      total.kv_off_chip / kMiB, off);
  fmt::print("fullest node: {} URAM + BRAM {:.1f}%; most DSPs on a node: {:.1f}%\n",
             p.cluster.nodes[fullest].name, 100 * memory, 100 * dsp);
}

// A decoder: the decoder mapper's tensor-parallel degree, pipeline stages, tile and memory
// placement (map/decoder_mapper.h); no Galapagos numbering (Cluster Builder's rules are the
// encoder's) and nothing to compare with (no published design).
void run_decoder(const MapOptions& o, const model::ModelConfig& config) {
  if (!o.knobs.empty() || !o.placement.empty()) {
    throw core::Error(core::ErrorKind::unsupported,
                      fmt::format("{}: --knobs and --placement are Cluster Builder's encoder "
                                  "designs; a {} is mapped automatically",
                                  o.model, model::to_string(config.architecture)));
  }
  const hw::Cluster cluster = hw::load_cluster(o.cluster, o.catalogue.load());
  if (o.aie) {
    throw core::Error(core::ErrorKind::unsupported,
                      fmt::format("--aie: {} is a {}: decoders are mapped on DSPs only so far",
                                  o.model, model::to_string(config.architecture)));
  }
  map::DecoderTarget target;
  target.objective = map::parse_decoder_objective(o.objective);
  target.batch = o.batch;
  target.prompt = o.prompt;
  target.tensor_parallel = o.tensor_parallel;
  map::DecoderMapping m = map::map_decoder(config, cluster, target, map::parse_caps(o.caps));
  const plan::Objective objective =
      target.objective == map::DecoderObjective::latency ? plan::Objective::latency
      : target.objective == map::DecoderObjective::ttft  ? plan::Objective::ttft
                                                         : plan::Objective::throughput;
  plan::Plan p = plan::make_plan(o.model, std::move(m.graph), cluster, std::move(m.node_of_kernel),
                                 std::move(m.estimate), objective);
  p.memory = std::move(m.memory);
  p.tensor_parallel = m.tensor_parallel;
  p.pipeline_stages = m.pipeline_stages;
  p.batch = target.batch;
  fmt::print(
      "model {} ({}, {} layers, context {}) on cluster {} ({} nodes): {} kernels, {} streams\n",
      config.name, model::to_string(config.architecture), config.layers, config.seq_len,
      cluster.name, cluster.nodes.size(), p.graph.kernels.size(), p.graph.streams.size());
  fmt::print(
      "objective {}{}: {} candidates fitted; chose tensor parallel {} x {} pipeline "
      "stages = {} boards, linear tile {}\n",
      map::to_string(target.objective),
      target.objective == map::DecoderObjective::throughput
          ? fmt::format(" (batch {})", target.batch)
          : "",
      m.candidates, m.tensor_parallel, m.pipeline_stages, m.tensor_parallel * m.pipeline_stages,
      m.tile);
  print_decoder_memory(p);
  fmt::print(
      "estimate: decode {:.3f} ms/token at position {}, time to first token {:.3f} ms "
      "({} prompt tokens), {:.1f} tokens/s at batch {}\n",
      m.decode_ms, config.seq_len / 2, m.ttft_ms, o.prompt == 0 ? config.seq_len : o.prompt,
      m.tokens_per_s, target.batch);
  plan::save_plan(p, o.output);
  fmt::print("plan: {}\n", o.output);
}

void run(const MapOptions& o) {
  const model::ModelConfig config = model::load_model_config(o.model, model::Accept::any);
  if (config.is_decoder()) return run_decoder(o, config);
  const std::optional<graph::ClusterBuilderConfig> cb = cluster_builder_config(o.knobs, config);
  const graph::KnobMap given = cb ? cb->knobs : graph::builder(config.architecture).default_knobs;
  const hw::Cluster cluster = hw::load_cluster(o.cluster, o.catalogue.load());
  const map::Caps caps = caps_of(o, cluster);
  if (o.objective == "ttft") {
    throw core::Error(
        fmt::format("--objective ttft: {} is an encoder; ttft is a decoder's "
                    "objective (latency or throughput)",
                    o.model));
  }
  if (o.tensor_parallel != 0) {
    throw core::Error(core::ErrorKind::unsupported,
                      fmt::format("--tensor-parallel: {} is an encoder; its kernels are split by "
                                  "the knobs (--knobs) or the automatic knob search",
                                  o.model));
  }
  const map::Objective objective = map::parse_objective(o.objective);
  const std::string automatic = fmt::format("automatic ({}):", map::to_string(objective));

  // The plan: the --placement with the given knobs; else the --knobs placed automatically; else
  // the automatic mapper's knobs and placement. The other way maps too, for comparison.
  map::Mapping mapping;
  std::optional<map::Mapping> other;
  std::string label, other_label, other_error;
  if (!o.placement.empty()) {
    graph::Graph g = graph::build_graph(config, given);
    std::vector<int> node_of = map::load_placement(o.placement, g, cluster);
    mapping = map::map_manual(std::move(g), cluster, std::move(node_of));
    label = "placement " + o.placement + ":";
    other = map::map_automatic(config, cluster, objective, caps);
    other_label = automatic;
  } else if (cb) {
    label = o.knobs + ", placed automatically";
    mapping = map_knobs_at_most_100(config, given, cluster, caps, label);
    label += ":";
    other = map::map_automatic(config, cluster, objective, caps);
    other_label = automatic;
  } else {
    mapping = map::map_automatic(config, cluster, objective, caps);
    label = automatic;
    other_label = "published Cluster Builder knobs";
    try {
      other = map_knobs_at_most_100(config, given, cluster, caps, other_label);
    } catch (const core::Error& e) {
      if (e.kind() != core::ErrorKind::does_not_fit) throw;
      other_error = e.what();
    }
    other_label += ":";
  }

  plan::Plan p =
      mapped_plan(o.model, std::move(mapping), cluster,
                  o.placement.empty() ? plan_objective(objective) : plan::Objective::manual,
                  cb ? std::optional(cb->grouping) : std::nullopt);

  fmt::print("model {} ({} layers) on cluster {} ({} nodes): {} kernels, {} streams\n", config.name,
             config.layers, cluster.name, cluster.nodes.size(), p.graph.kernels.size(),
             p.graph.streams.size());
  if (cb) print_ignored(o.knobs, *cb, config);
  std::uint32_t ids = 0;
  for (const plan::GalapagosCluster& c : p.galapagos.clusters) {
    ids = std::max(ids, c.kernels.back().id + 1);
  }
  fmt::print("galapagos clusters per layer ({}): {}; the largest needs {} kernel IDs\n",
             cb ? o.knobs : "chosen by the mapper", describe(p.galapagos.grouping), ids);
  print_plan(p);
  fmt::print("knobs (role, partition, stages):\n");
  print_knobs(p.graph);
  print_estimate(label, p.estimate);
  if (other) print_estimate(other_label, other->estimate);
  if (!other_error.empty()) fmt::print("{} {}\n", other_label, other_error);
  plan::save_plan(p, o.output);
  fmt::print("plan: {}\n", o.output);
}

}  // namespace

void add_map(CLI::App& app) {
  auto o = std::make_shared<MapOptions>();
  CLI::App* cmd = app.add_subcommand(
      "map", "Map a model onto a cluster: choose knobs and placement, write plan.json");
  cmd->add_option("--model", o->model,
                  "Model YAML (examples/models/*.yaml): an encoder, or a decoder (mapped "
                  "automatically: tensor parallelism, pipeline stages, weights and KV cache on "
                  "or off chip; `atoll simulate --prompt --new-tokens` times it)")
      ->required();
  cmd->add_option("--cluster", o->cluster, "Cluster YAML (examples/clusters/*.yaml)")->required();
  cmd->add_option("--objective", o->objective,
                  "latency | throughput (automatic mapping); decoders also ttft: decode ms/token, "
                  "time to first token, tokens/s at --batch")
      ->check(CLI::IsMember({"latency", "throughput", "ttft"}));
  cmd->add_option("--batch", o->batch, "Decoders, --objective throughput: sequences per step")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--prompt", o->prompt,
                  "Decoders, --objective ttft: prompt tokens (default: the model's context)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30));
  cmd->add_option("--tensor-parallel", o->tensor_parallel,
                  "Decoders: use this tensor-parallel degree (a power of two, at most the "
                  "cluster's boards and 64) with its best pipeline; default: the mapper chooses")
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--placement", o->placement,
                  "Manual placement YAML/JSON (node -> kernels), with the --knobs knobs");
  cmd->add_option("--caps", o->caps,
                  "Per-FPGA caps, e.g. lut=0.7,ff=0.7,dsp=0.8,bram=0.8,uram=0.8 (the defaults)");
  cmd->add_flag("--aie", o->aie,
                "Let the mapper put linear and attention matmuls on AI Engine tiles where that is "
                "cheaper (Versal AI Core boards: vck190, vck5000; docs/mapping.md)");
  cmd->add_option("--knobs", o->knobs,
                  "Cluster Builder config.json: the plan takes its knobs and 'cluster' grouping, "
                  "placed automatically (or by --placement); default: automatic knobs (compared "
                  "with the published config's)");
  cmd->add_option("-o,--output", o->output, "Plan JSON to write")->required();
  add_catalogue_option(*cmd, o->catalogue);
  cmd->callback([o] { run(*o); });
}

}  // namespace atl::cli
