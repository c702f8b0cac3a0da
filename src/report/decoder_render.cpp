// The decoder report in HTML (one self-contained page, inline CSS and SVG), Markdown and JSON.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <tuple>

#include "core/error.h"
#include "report/decoder_report.h"
#include "report/html_table.h"
#include "report/style.h"
#include "report/svg.h"
#include "sim/decode_json.h"

namespace atl::report {
namespace {

constexpr const char* kOwnStyle = R"(
.chart .axis { fill: #777; }
.bar { fill: #4c78a8; } .bar.fpga { fill: #e45756; } .bar.gpu { fill: #4c78a8; }
.bar.roofline { fill: #bab0ac; } .bar.position { fill: #e45756; }
)";

constexpr double kMiB = 1 << 20;
// Critical-path steps listed in HTML and Markdown: all of them up to this, else the longest.
constexpr std::size_t kPathRows = 40;
// Positions shown in the per-token table and chart (evenly spread, first and last included).
constexpr std::size_t kPositionRows = 16;

// Indices of at most `k` evenly spread items of `n`, the first and the last included.
std::vector<std::size_t> spread(std::size_t n, std::size_t k) {
  std::vector<std::size_t> out;
  for (std::size_t q = 0; q < std::min(n, k); ++q) {
    out.push_back(k >= n ? q : q * (n - 1) / (k - 1));
  }
  return out;
}

std::string title(const DecoderReport& r) {
  return fmt::format("atoll decoder report: {} on {} FPGAs", r.plan.graph.model,
                     r.plan.cluster.nodes.size());
}

std::string plan_line(const DecoderReport& r) {
  const plan::Plan& p = r.plan;
  return fmt::format(
      "{} layers, {} kernels, context {}; cluster {} ({} x {}), tensor parallel {} x {} pipeline "
      "stages, network {} Gb/s, {} ns per hop",
      p.graph.layers, p.graph.kernels.size(), p.graph.seq_len, p.cluster.name,
      p.cluster.nodes.size(), p.cluster.nodes.front().device.name, p.tensor_parallel,
      p.pipeline_stages, p.cluster.network.link_gbps, p.cluster.network.hop_latency_ns);
}

// The summary rows (label, value) shared by HTML and Markdown.
std::vector<std::pair<std::string, std::string>> summary(const DecoderReport& r) {
  const sim::DecodeResult& s = r.sim;
  return {
      {fmt::format("time to first token (prefill of {} tokens)", s.prompt),
       fmt::format("{:.4g} ms", s.ttft_ms)},
      {fmt::format("per-token latency (mean of {} decode steps, positions {}..{})",
                   s.token_ms.size(), s.positions.front(), s.positions.back()),
       fmt::format("{:.4g} ms", s.mean_token_ms)},
      {"tokens/s (decode)", fmt::format("{:.1f}", s.tokens_per_s)},
      {"energy per token", fmt::format("{:.4g} mJ", r.energy_per_token_mj)},
      {"energy of the prefill", fmt::format("{:.4g} mJ", r.prefill_energy_mj)},
      {"boards (all draw power)", fmt::format("{} drawing {:.0f} W", s.boards, s.board_power_w)},
      {"weights on chip / off chip",
       fmt::format("{:.1f} / {:.1f} MiB", s.weight_bytes_on_chip / kMiB,
                   s.weight_bytes_off_chip / kMiB)},
      {"KV cache on chip / off chip",
       fmt::format("{:.1f} / {:.1f} MiB", s.kv_bytes_on_chip / kMiB, s.kv_bytes_off_chip / kMiB)},
  };
}

double span_us(const sim::DecodePathStep& s) {
  return s.end_us - s.start_us;
}

// The critical path's time by what bounds each step: kernel compute, kernel memory, on-chip
// streams, network streams (label, microseconds), in that order, empty ones left out.
std::vector<std::pair<std::string, double>> path_shares(const sim::DecodeResult& s) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [kind, bound, label] :
       {std::tuple{sim::DecodePathStep::Kind::kernel, "compute", "kernels, compute-bound"},
        std::tuple{sim::DecodePathStep::Kind::kernel, "memory", "kernels, memory-bound"},
        std::tuple{sim::DecodePathStep::Kind::stream, "on-chip", "streams on chip"},
        std::tuple{sim::DecodePathStep::Kind::stream, "network", "streams over the network"}}) {
    double us = 0;
    for (const sim::DecodePathStep& p : s.critical_path) {
      if (p.kind == kind && p.bound == bound) us += span_us(p);
    }
    if (us > 0) out.emplace_back(label, us);
  }
  return out;
}

// The steps listed: the whole path when short, else the kPathRows longest in path order.
std::vector<const sim::DecodePathStep*> listed_steps(const sim::DecodeResult& s) {
  std::vector<const sim::DecodePathStep*> steps;
  for (const sim::DecodePathStep& p : s.critical_path) steps.push_back(&p);
  if (steps.size() <= kPathRows) return steps;
  std::vector<const sim::DecodePathStep*> longest = steps;
  std::stable_sort(longest.begin(), longest.end(),
                   [](const auto* a, const auto* b) { return span_us(*a) > span_us(*b); });
  longest.resize(kPathRows);
  std::stable_sort(longest.begin(), longest.end());  // path order (addresses follow it)
  return longest;
}

std::string path_caption(const DecoderReport& r) {
  const sim::DecodeResult& s = r.sim;
  const std::size_t n = s.critical_path.size();
  return fmt::format(
      "The critical path of the decode step at position {}: {} steps{}.", s.critical_path_position,
      n, n > kPathRows ? fmt::format(", the {} longest listed (JSON has all)", kPathRows) : "");
}

const char* kRatioNote =
    "Speedup = their latency / the FPGAs' (below 1: the FPGAs are slower); energy advantage = "
    "their energy / the FPGAs' (below 1: the FPGAs use more). Energy = power x time with TDP or "
    "board power: upper bounds on both sides. Floors: the model's linear weights read once per "
    "token at the GPUs' memory bandwidth (a bound, not a measurement).";

}  // namespace

std::string render_decoder_html(const DecoderReport& r) {
  const sim::DecodeResult& s = r.sim;
  const std::string model = r.plan.graph.model;
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  h += fmt::format("<title>{}</title>\n<style>{}</style></head><body>\n", escape(title(r)),
                   page_style(kOwnStyle));
  h += fmt::format("<h1>{}</h1>\n<p>Plan <code>{}</code>: {}.</p>\n", escape(title(r)),
                   escape(r.inputs.plan_path), escape(plan_line(r)));

  h += fmt::format(
      "<h2>Generating: a prompt of {} tokens, then {} new tokens (simulated)</h2>\n<table>\n",
      s.prompt, s.new_tokens);
  for (const auto& [label, value] : summary(r)) h += table_row({escape(label), value});
  h += "</table>\n";

  h += "<h2>Per-token latency against the position</h2>\n";
  std::vector<Bar> positions;
  for (std::size_t i : spread(s.token_ms.size(), kPositionRows)) {
    positions.push_back({fmt::format("position {}", s.positions[i]), s.token_ms[i], "position"});
  }
  h += bar_chart_svg(positions, "ms", false);
  h += "<p class=\"note\">Each decode step reads the KV cache of every earlier position, so a "
       "step grows with its position.</p>\n";

  h += fmt::format("<h2>{} per token: FPGAs versus GPUs and FPGA systems, batch 1</h2>\n",
                   escape(model));
  if (r.decode.empty()) {
    h += fmt::format(
        "<p>No published decode result or weight floor for model <code>{}</code> in "
        "decoders.yaml.</p>\n",
        escape(model));
  } else {
    std::vector<Bar> lat{{fmt::format("FPGAs ({} boards)", s.boards), s.mean_token_ms, "fpga"}};
    std::vector<Bar> energy{{"FPGAs", r.energy_per_token_mj, "fpga"}};
    for (const DecodeComparison& c : r.decode) {
      lat.push_back({c.anchor.name, c.anchor.latency_ms, to_string(c.anchor.kind)});
      energy.push_back({c.anchor.name, c.anchor.energy_mj, to_string(c.anchor.kind)});
    }
    h += "<h3>Latency per token</h3>\n" + bar_chart_svg(lat, "ms", true);
    h += "<h3>Energy per token</h3>\n" + bar_chart_svg(energy, "mJ", true);
  }
  h += "<table>\n";
  h += table_row({"system", "devices", "kind", "ms/token", "power W", "mJ/token", "FPGA speedup",
                  "FPGA energy advantage", "grade"},
                 true);
  h += table_row(
      {"FPGAs: this plan",
       fmt::format("{} x {}", s.boards, escape(r.plan.cluster.nodes.front().device.name)), "fpga",
       fmt::format("{:.4g}", s.mean_token_ms), fmt::format("{:.0f}", s.board_power_w),
       fmt::format("{:.4g}", r.energy_per_token_mj), "", "", "sim"});
  for (const DecodeComparison& c : r.decode) {
    const Anchor& a = c.anchor;
    h += table_row({fmt::format("<span title=\"{}\">{}</span>", escape(a.source), escape(a.name)),
                    escape(a.device), to_string(a.kind), fmt::format("{:.4g}", a.latency_ms),
                    fmt::format("{:.0f}", a.power_w), fmt::format("{:.4g}", a.energy_mj),
                    fmt::format("{:.3g}x", c.latency_speedup),
                    fmt::format("{:.3g}x", c.energy_ratio), escape(a.grade)});
  }
  h += fmt::format("</table>\n<p class=\"note\">{} Hover a name for its source.</p>\n", kRatioNote);

  if (!r.prefill.empty()) {
    h += "<h2>Time to first token</h2>\n<table>\n";
    h += table_row({"system", "devices", "prompt tokens", "ms", "power W", "mJ", "FPGA speedup",
                    "FPGA energy advantage", "grade"},
                   true);
    h += table_row({"FPGAs: this plan", std::to_string(s.boards), std::to_string(s.prompt),
                    fmt::format("{:.4g}", s.ttft_ms), fmt::format("{:.0f}", s.board_power_w),
                    fmt::format("{:.4g}", r.prefill_energy_mj), "", "", "sim"});
    for (const PrefillComparison& c : r.prefill) {
      const DecoderBaseline& b = c.baseline;
      h += table_row({fmt::format("<span title=\"{}\">{}</span>", escape(b.source + " " + b.note),
                                  escape(b.name)),
                      fmt::format("{} x {}", b.devices, escape(b.device)),
                      fmt::format("{}{}", b.prompt_tokens, c.comparable ? "" : " (not comparable)"),
                      fmt::format("{:.4g}", b.latency_ms), fmt::format("{:.0f}", b.power_w),
                      fmt::format("{:.4g}", b.energy_mj()),
                      optional_number(c.latency_speedup, "{:.3g}x"),
                      optional_number(c.energy_ratio, "{:.3g}x"), escape(b.grade)});
    }
    h += "</table>\n<p class=\"note\">Ratios only where the prompt has the same length "
         "(give --prompt to match).</p>\n";
  }

  h += "<h2>Critical path of one decode step</h2>\n";
  std::vector<Bar> shares;
  for (const auto& [label, us] : path_shares(s)) shares.push_back({label, us, "fpga"});
  h += bar_chart_svg(shares, "us", false);
  h += fmt::format("<p class=\"note\">{}</p>\n<table>\n", escape(path_caption(r)));
  h += table_row({"step", "kind", "node", "bound", "start us", "end us"}, true);
  for (const sim::DecodePathStep* p : listed_steps(s)) {
    h += table_row({escape(p->name), sim::to_string(p->kind), escape(p->node), escape(p->bound),
                    fmt::format("{:.3f}", p->start_us), fmt::format("{:.3f}", p->end_us)});
  }
  h += "</table>\n";
  h += render_check_script();
  h += "</body></html>\n";
  return h;
}

std::string render_decoder_markdown(const DecoderReport& r) {
  const sim::DecodeResult& s = r.sim;
  std::string m =
      fmt::format("# {}\n\nPlan `{}`: {}.\n\n", title(r), r.inputs.plan_path, plan_line(r));
  m += fmt::format(
      "## Generating: a prompt of {} tokens, then {} new tokens (simulated)\n\n| | |\n|---|---:|\n",
      s.prompt, s.new_tokens);
  for (const auto& [label, value] : summary(r)) m += fmt::format("| {} | {} |\n", label, value);
  m += "\n## Per-token latency against the position\n\n| position | ms/token |\n|---:|---:|\n";
  for (std::size_t i : spread(s.token_ms.size(), kPositionRows)) {
    m += fmt::format("| {} | {:.4f} |\n", s.positions[i], s.token_ms[i]);
  }
  m += fmt::format("\n## {} per token: FPGAs versus GPUs and FPGA systems, batch 1\n\n",
                   r.plan.graph.model);
  m += "| system | devices | kind | ms/token | power W | mJ/token | FPGA speedup | FPGA energy "
       "advantage | grade |\n|---|---|---|---:|---:|---:|---:|---:|---|\n";
  m += fmt::format("| FPGAs: this plan | {} x {} | fpga | {:.4g} | {:.0f} | {:.4g} | | | sim |\n",
                   s.boards, r.plan.cluster.nodes.front().device.name, s.mean_token_ms,
                   s.board_power_w, r.energy_per_token_mj);
  for (const DecodeComparison& c : r.decode) {
    const Anchor& a = c.anchor;
    m += fmt::format("| {} | {} | {} | {:.4g} | {:.0f} | {:.4g} | {:.3g}x | {:.3g}x | {} |\n",
                     a.name, a.device, to_string(a.kind), a.latency_ms, a.power_w, a.energy_mj,
                     c.latency_speedup, c.energy_ratio, a.grade);
  }
  if (r.decode.empty()) {
    m += fmt::format("\nNo published decode result or weight floor for model `{}`.\n",
                     r.plan.graph.model);
  }
  m += fmt::format("\n{}\n", kRatioNote);
  if (!r.prefill.empty()) {
    m += "\n## Time to first token\n\n| system | devices | prompt tokens | ms | power W | mJ | "
         "FPGA speedup | FPGA energy advantage | grade |\n"
         "|---|---|---:|---:|---:|---:|---:|---:|---|\n";
    m += fmt::format("| FPGAs: this plan | {} | {} | {:.4g} | {:.0f} | {:.4g} | | | sim |\n",
                     s.boards, s.prompt, s.ttft_ms, s.board_power_w, r.prefill_energy_mj);
    for (const PrefillComparison& c : r.prefill) {
      const DecoderBaseline& b = c.baseline;
      m += fmt::format("| {} | {} x {} | {}{} | {:.4g} | {:.0f} | {:.4g} | {} | {} | {} |\n",
                       b.name, b.devices, b.device, b.prompt_tokens,
                       c.comparable ? "" : " (not comparable)", b.latency_ms, b.power_w,
                       b.energy_mj(), optional_number(c.latency_speedup, "{:.3g}x"),
                       optional_number(c.energy_ratio, "{:.3g}x"), b.grade);
    }
  }
  m += "\n## Critical path of one decode step\n\n| time by bound | us |\n|---|---:|\n";
  for (const auto& [label, us] : path_shares(s)) m += fmt::format("| {} | {:.3f} |\n", label, us);
  m += fmt::format(
      "\n{}\n\n| step | kind | node | bound | start us | end us |\n"
      "|---|---|---|---|---:|---:|\n",
      path_caption(r));
  for (const sim::DecodePathStep* p : listed_steps(s)) {
    m += fmt::format("| {} | {} | {} | {} | {:.3f} | {:.3f} |\n", p->name, sim::to_string(p->kind),
                     p->node, p->bound, p->start_us, p->end_us);
  }
  return m;
}

nlohmann::json decoder_to_json(const DecoderReport& r) {
  nlohmann::json decode = nlohmann::json::array();
  for (const DecodeComparison& c : r.decode) {
    nlohmann::json j = anchor_to_json(c.anchor);
    j["latency_speedup"] = c.latency_speedup;
    j["energy_ratio"] = c.energy_ratio;
    decode.push_back(std::move(j));
  }
  nlohmann::json prefill = nlohmann::json::array();
  for (const PrefillComparison& c : r.prefill) {
    const DecoderBaseline& b = c.baseline;
    nlohmann::json j = {{"name", b.name},
                        {"device", b.device},
                        {"devices", b.devices},
                        {"prompt_tokens", b.prompt_tokens},
                        {"latency_ms", b.latency_ms},
                        {"power_w", b.power_w},
                        {"energy_mj", b.energy_mj()},
                        {"comparable", c.comparable},
                        {"grade", b.grade},
                        {"source", b.source}};
    if (c.latency_speedup) j["latency_speedup"] = *c.latency_speedup;
    if (c.energy_ratio) j["energy_ratio"] = *c.energy_ratio;
    prefill.push_back(std::move(j));
  }
  return {{"kind", "decoder"},
          {"plan", r.inputs.plan_path},
          {"model", r.plan.graph.model},
          {"boards", r.sim.boards},
          {"tensor_parallel", r.plan.tensor_parallel},
          {"pipeline_stages", r.plan.pipeline_stages},
          {"energy_per_token_mj", r.energy_per_token_mj},
          {"prefill_energy_mj", r.prefill_energy_mj},
          {"simulation", sim::to_json(r.sim)},
          {"decode", std::move(decode)},
          {"prefill", std::move(prefill)}};
}

std::string render(const DecoderReport& report, Format format) {
  switch (format) {
    case Format::html:
      return render_decoder_html(report);
    case Format::md:
      return render_decoder_markdown(report);
    case Format::json:
      return decoder_to_json(report).dump(2) + "\n";
  }
  throw core::Error(core::ErrorKind::internal, "report: unknown format");
}

}  // namespace atl::report
