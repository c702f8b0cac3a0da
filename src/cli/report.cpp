// `atoll report`: simulate a plan, extend it to the full model, compare with published GPU/CPU
// results and roofline bounds, optionally project onto other boards; write HTML, Markdown or JSON.
// A decoder plan is simulated generating text and compared per token (report/decoder_report.h).
#include "report/report.h"

#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/catalogue.h"
#include "cli/mapped_plan.h"
#include "cli/paths.h"
#include "cli/verbs.h"
#include "core/error.h"
#include "core/file.h"
#include "hw/aie.h"
#include "hw/cluster.h"
#include "hw/device.h"
#include "map/engine_choice.h"
#include "map/mapper.h"
#include "model/config.h"
#include "plan/plan.h"
#include "report/baselines.h"
#include "report/decoder_baselines.h"
#include "report/decoder_report.h"
#include "report/projection.h"

namespace atl::cli {
namespace {

struct ReportOptions {
  CatalogueOptions catalogue;
  std::string plan;
  std::string output;
  std::string format;  // html | md | json; default from the output's extension
  std::int64_t sequences = 100;
  std::string baselines;  // directory with gpu.yaml and cpu.yaml
  double cpu_ms = 0, cpu_w = 0;
  std::vector<std::string> project;  // board names
  std::string projection_json;       // rows from an earlier `--format json` report
  std::vector<int> fpgas{24, 48};
  std::vector<std::string> models{"examples/models/ibert-base.yaml",
                                  "examples/models/ibert-large.yaml"};
  std::optional<std::int64_t> prompt, new_tokens;  // decoders
};

// The mapped projection: the automatic mapper (latency objective) on `fpgas` x `board`, then
// simulated. report/ does not run the mapper; it gets the plan.
// `aie`: AI Engines allowed (method mapped_aie), else DSPs only (mapped).
report::ProjectionRow project_mapped(const model::ModelConfig& config, const hw::Device& board,
                                     int fpgas, const hw::Network& network, std::int64_t sequences,
                                     bool aie) {
  hw::Cluster cluster = report::board_cluster(board, fpgas, network);
  const map::Caps caps = aie ? map::with_aie({}, cluster) : map::Caps{};
  map::Mapping m = map::map_automatic(config, cluster, map::Objective::latency, caps);
  report::ProjectionRow row = report::project_plan(
      mapped_plan(config.name, std::move(m), std::move(cluster), plan::Objective::latency),
      aie ? report::Method::mapped_aie : report::Method::mapped, sequences);
  row.note = fmt::format("map_automatic on {} boards{}", fpgas, aie ? " with AI Engines" : "");
  return row;
}

// Each board: the plan's own split replicated per layer on that board (when the plan is an
// encoder of a known family), the mapper on each cluster size (on DSPs, and with AI Engines where
// the board has them) and the AI Engine bound. Cases that do not fit are reported and skipped.
std::vector<report::ProjectionRow> project(const ReportOptions& o, const plan::Plan& plan,
                                           const hw::Catalogue& catalogue) {
  std::vector<report::ProjectionRow> rows;
  for (const std::string& name : o.project) {
    auto it = catalogue.find(name);
    if (it == catalogue.end()) {
      std::string known;
      for (const auto& [key, _] : catalogue) known += (known.empty() ? "" : ", ") + key;
      throw core::Error(
          fmt::format("report: --project: unknown board '{}' (catalogue: {})", name, known));
    }
    const hw::Device& board = it->second;
    const std::int64_t full = report::family_layers(report::model_family(plan.graph));
    if (full > 0) {
      plan::Plan on_board = plan;
      for (hw::Node& n : on_board.cluster.nodes) n.device = board;
      try {
        report::ProjectionRow r = report::project_plan(report::replicate_layers(on_board, full),
                                                       report::Method::replicated, o.sequences);
        r.note = fmt::format("the plan's per-layer split, {} per layer", plan.cluster.nodes.size());
        rows.push_back(std::move(r));
      } catch (const core::Error& e) {
        if (e.kind() != core::ErrorKind::does_not_fit) throw;
        fmt::print(stderr, "report: {} replicated: skipped: {}\n", name, e.what());
      }
    }
    for (const std::string& model_path : o.models) {
      const model::ModelConfig config = model::load_model_config(shipped_file(model_path));
      for (int n : o.fpgas) {
        for (bool aie : {false, true}) {
          if (aie && !hw::has_aie(board)) continue;
          try {
            rows.push_back(
                project_mapped(config, board, n, plan.cluster.network, o.sequences, aie));
          } catch (const core::Error& e) {
            if (e.kind() != core::ErrorKind::does_not_fit) throw;
            fmt::print(stderr, "report: {} {}{} on {} boards: skipped: {}\n", config.name, name,
                       aie ? " with AI Engines" : "", n, e.what());
          }
        }
        if (board.aie_tiles > 0) {
          rows.push_back(report::project_aie_bound(config, board, n, plan.cluster.network));
        }
      }
    }
  }
  return rows;
}

void write_report(const std::string& text, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw core::Error(core::ErrorKind::io, fmt::format("report: cannot write {}", path));
  out << text;
  if (!out) throw core::Error(core::ErrorKind::io, fmt::format("report: writing {} failed", path));
}

// A decoder plan: generation simulated, per-token comparison with decoders.yaml and the floors.
void run_decoder(const ReportOptions& o, const plan::Plan& plan, report::Format format,
                 const std::filesystem::path& baselines_dir) {
  if (!o.project.empty() || !o.projection_json.empty() || o.cpu_ms > 0 || o.cpu_w > 0) {
    throw core::Error(fmt::format(
        "{}: model '{}' is a decoder: --project, --projection-json, --cpu-ms and --cpu-watts "
        "apply to encoder plans (use `atoll explore` for other boards)",
        o.plan, plan.graph.model));
  }
  report::DecoderInputs in;
  in.plan_path = o.plan;
  if (o.prompt) in.prompt = *o.prompt;
  if (o.new_tokens) in.new_tokens = *o.new_tokens;
  const report::DecoderReport r = report::build_decoder_report(
      plan, report::load_decoder_baselines(baselines_dir / "decoders.yaml"),
      report::load_default_baselines(baselines_dir).devices, in);
  write_report(report::render(r, format), o.output);
  const sim::DecodeResult& s = r.sim;
  fmt::print(
      "{}: time to first token {:.4g} ms (prompt {}), {:.4g} ms/token, {:.1f} tokens/s, {:.4g} "
      "mJ/token on {} FPGAs\n",
      plan.graph.model, s.ttft_ms, s.prompt, s.mean_token_ms, s.tokens_per_s, r.energy_per_token_mj,
      s.boards);
  for (const report::DecodeComparison& c : r.decode) {
    fmt::print("  vs {} ({:.4g} ms/token, {:.4g} mJ/token): {:.3g}x latency, energy {:.3g}x\n",
               c.anchor.name, c.anchor.latency_ms, c.anchor.energy_mj, c.latency_speedup,
               c.energy_ratio);
  }
  if (r.decode.empty()) {
    fmt::print("  no published decode result for model '{}'\n", plan.graph.model);
  }
  fmt::print("wrote {} ({})\n", o.output, report::to_string(format));
}

void run(const ReportOptions& o) {
  for (int n : o.fpgas) hw::validate_node_count(n, "--fpgas");
  const plan::Plan plan = plan::load_plan(o.plan);
  check_plan_devices(plan, o.catalogue);
  const report::Format format = o.format.empty()
                                    ? report::format_of_path(o.output)
                                    : report::parse_format(o.format, "report: --format");
  const std::filesystem::path baselines_dir = o.baselines.empty()
                                                  ? hw::default_data_dir() / "baselines"
                                                  : std::filesystem::path(o.baselines);
  if (plan.graph.architecture != model::Architecture::ibert_encoder) {
    return run_decoder(o, plan, format, baselines_dir);
  }
  if (o.prompt || o.new_tokens) {
    throw core::Error(fmt::format(
        "{}: --prompt and --new-tokens apply to decoder plans; model '{}' is an encoder", o.plan,
        plan.graph.model));
  }
  const report::Baselines baselines = report::load_default_baselines(baselines_dir);
  report::Inputs in;
  in.plan_path = o.plan;
  in.sequences = o.sequences;
  if (o.cpu_ms > 0) in.cpu_ms = o.cpu_ms;
  if (o.cpu_w > 0) in.cpu_w = o.cpu_w;
  if (!o.project.empty()) in.projection = project(o, plan, o.catalogue.load());
  if (!o.projection_json.empty()) {
    const nlohmann::json j = core::read_json_file(o.projection_json, "projection JSON");
    for (report::ProjectionRow& r : report::projection_from_json(j, o.projection_json)) {
      in.projection.push_back(std::move(r));
    }
  }
  const report::Report r = report::build_report(plan, baselines, in);
  write_report(report::render(r, format), o.output);
  fmt::print("{}: latency {:.4g} ms, {:.1f} seq/s, {:.4g} mJ per inference on {} FPGAs\n",
             r.fpga.label, r.fpga.latency_ms, r.fpga.throughput_seq_per_s, r.fpga.energy_mj,
             r.fpga.fpgas);
  for (const report::Comparison& c : r.comparisons) {
    if (c.latency_speedup) {
      fmt::print("  vs {}: {:.3g}x latency, energy {}\n", c.name, *c.latency_speedup,
                 c.energy_ratio ? fmt::format("{:.3g}x", *c.energy_ratio) : "-");
    }
  }
  fmt::print("wrote {} ({})\n", o.output, report::to_string(format));
}

}  // namespace

void add_report(CLI::App& app) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Simulate a plan and compare it with GPUs and CPUs (HTML, Markdown or JSON); a decoder "
      "plan per generated token (--prompt, --new-tokens)");
  cmd->add_option("--plan", o->plan, "Plan JSON")->required()->check(CLI::ExistingFile);
  cmd->add_option("-o,--output", o->output, "Report file")->required();
  cmd->add_option("--format", o->format, "html | md | json (default: from the file extension)");
  cmd->add_option("--sequences", o->sequences, "Sequences for the throughput simulations")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--baselines", o->baselines,
                  "Directory with gpu.yaml, cpu.yaml and decoders.yaml (default: atoll's "
                  "data/baselines)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--cpu-ms", o->cpu_ms,
                  "Local CPU reference: median ms of `atoll infer` on the full model")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--cpu-watts", o->cpu_w, "Power of that CPU, for its energy per inference")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--project", o->project,
                  "Boards to project onto (catalogue names, e.g. u280 u55c v80 vck5000); boards "
                  "with AI Engines are also mapped with them (method mapped_aie)")
      ->delimiter(',');
  cmd->add_option("--projection-json", o->projection_json,
                  "Reuse the projection rows of an earlier `atoll report --format json` file")
      ->check(CLI::ExistingFile);
  cmd->add_option("--fpgas", o->fpgas, "Cluster sizes for the mapped projections")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--models", o->models, "Model YAMLs for the mapped projections")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--prompt", o->prompt,
                  "Decoder plans: prompt tokens of the simulated prefill (default 128)");
  cmd->add_option("--new-tokens", o->new_tokens,
                  "Decoder plans: tokens generated (>= 2; per-token latency = the mean decode "
                  "step; default 32)");
  add_device_check_options(*cmd, o->catalogue);
  cmd->callback([o] { run(*o); });
}

}  // namespace atl::cli
