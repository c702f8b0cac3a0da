// The estimate report of a plan: the simulated cluster next to its analytic estimate, the full
// model on FPGAs next to published GPU/CPU results and roofline bounds, and projections onto other
// boards. build_report() gathers the numbers; render_html/render_markdown/to_json write them.
//
// Comparisons are per inference at batch 1 unless a row says otherwise:
//   latency speedup = their latency / FPGA latency (> 1: the FPGAs are faster)
//   throughput ratio = FPGA throughput / their throughput
//   energy ratio = their energy / FPGA energy (> 1: the FPGAs use less), energy = power x latency
//                  (GPU TDP, FPGA board power x boards: both upper bounds).
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "report/baselines.h"
#include "report/projection.h"
#include "report/work.h"
#include "sim/sim.h"

namespace atl::report {

struct Inputs {
  std::string plan_path;
  std::int64_t sequences = 100;  // throughput runs
  // The local CPU reference (`atoll infer` median time for the full model), when given.
  std::optional<double> cpu_ms;
  std::optional<double> cpu_w;  // its power, for energy (no source: the user's own figure)
  std::vector<ProjectionRow> projection;
};

struct Comparison {
  std::string name;  // baseline id, "roofline <device>" or "local CPU (atoll infer)"
  SystemKind kind = SystemKind::gpu;
  std::string device;  // GPU/CPU name
  std::string model;
  std::int64_t seq_len = 0;
  std::optional<std::int64_t> batch;
  std::optional<double> latency_ms, throughput_seq_per_s;
  double power_w = 0;
  std::optional<double> energy_mj;  // power x latency (batch 1), or power / throughput
  bool comparable = false;          // same model and sequence length as the FPGA result
  std::optional<double> latency_speedup, throughput_ratio, energy_ratio;
  std::string grade, source, note;
};

// The FPGA side of the comparison: the plan itself when it holds the whole model, else the plan's
// layers replicated to the model's full depth (replicate_layers) and simulated.
struct FpgaResult {
  std::string label;  // e.g. "12 layers on 72 x sidewinder-100 (plan replicated per layer)"
  std::string model;  // "bert-base" | "bert-large" | graph model name
  std::int64_t layers = 0, seq_len = 0;
  int fpgas = 0;
  double board_power_w = 0;  // mean over the boards used
  double latency_ms = 0, analytic_latency_ms = 0, throughput_seq_per_s = 0;
  double energy_mj = 0;         // board power x fpgas x latency
  double energy_stream_mj = 0;  // board power x fpgas / throughput
  Work work;
};

struct Report {
  Inputs inputs;
  plan::Plan plan;
  sim::Result sim;        // the plan as given
  sim::Result ideal_sim;  // the plan with an ideal network (one sequence)
  FpgaResult fpga;
  std::vector<Comparison> comparisons;
};

// "bert-base" for hidden 768, "bert-large" for 1024 (the published baselines' names), and their
// depths 12 / 24; empty / 0 for other shapes.
std::string model_family(const graph::Graph& graph);
std::int64_t family_layers(const std::string& family);

// Simulates the plan (and its full-depth version when needed) and compares it with `baselines`.
Report build_report(const plan::Plan& plan, const Baselines& baselines, const Inputs& inputs);

// The comparison rows alone (build_report calls it): published entries for the FPGA result's
// model (all of them; `comparable` marks same model and sequence length), roofline bounds of
// every peak device, and the local CPU when given.
std::vector<Comparison> compare(const FpgaResult& fpga, const Baselines& baselines,
                                const Inputs& inputs);

std::string render_html(const Report& report);
std::string render_markdown(const Report& report);
nlohmann::json to_json(const Report& report);

// The formats a report is written in.
enum class Format { html, md, json };
const char* to_string(Format format);  // "html" | "md" | "json"
// The inverse of to_string; errors name `where` and list the choices.
Format parse_format(const std::string& text, const std::string& where);
// A file name's format: .md and .json by their extension, anything else HTML.
Format format_of_path(const std::filesystem::path& path);
// The report as text in `format` (JSON indented by 2, with a final newline).
std::string render(const Report& report, Format format);

// The "projection" rows of a report written by to_json (so a slow projection, which runs the
// mapper, can be reused by later reports). Errors name `where` and the field.
std::vector<ProjectionRow> projection_from_json(const nlohmann::json& report,
                                                const std::string& where);

}  // namespace atl::report
