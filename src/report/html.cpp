// render_html(): one self-contained page (inline CSS and SVG, no fetches), with the render check
// of html_table.h at its end.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "cost/aie_cost.h"
#include "report/html_table.h"
#include "report/report.h"
#include "report/style.h"
#include "report/svg.h"
#include "sim/result_json.h"

namespace atl::report {
namespace {

// The page style: the shared one (report/style.h) and this page's own rules.
constexpr const char* kOwnStyle = R"(
.chart .axis { fill: #777; }
.bar { fill: #4c78a8; } .bar.fpga { fill: #e45756; } .bar.gpu { fill: #4c78a8; }
.bar.cpu, .bar.local { fill: #72b7b2; } .bar.roofline { fill: #bab0ac; } .bar.link { fill: #54a24b; }
)";

double us(sim::Picos t) {
  return static_cast<double>(t) / 1e6;
}

std::string group_name(const graph::Kernel& k) {
  return graph::to_string(k.role);
}

// Lanes of the Gantt chart: per FPGA, one lane per kernel role (heads and tensor-parallel parts
// merged), spanning the role's first row in to last row out of sequence 0.
std::vector<GanttLane> lanes_of(const Report& r) {
  const graph::Graph& g = r.plan.graph;
  struct Span {
    double start = 1e300, end = 0;
    int count = 0;
  };
  std::map<std::pair<int, std::string>, Span> spans;
  std::vector<std::pair<int, std::string>> order;
  for (std::size_t k = 0; k < g.kernels.size(); ++k) {
    const graph::Kernel& kernel = g.kernels[k];
    if (graph::is_endpoint(kernel.role)) continue;
    const auto key = std::make_pair(r.plan.node_of_kernel[k],
                                    fmt::format("l{} {}", kernel.layer, group_name(kernel)));
    if (!spans.count(key)) order.push_back(key);
    Span& s = spans[key];
    s.start = std::min(s.start, us(r.sim.kernels[k].first_start));
    s.end = std::max(s.end, us(r.sim.kernels[k].last_end));
    ++s.count;
  }
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<GanttLane> lanes;
  for (const auto& key : order) {
    const Span& s = spans[key];
    GanttLane lane;
    lane.label = fmt::format("{}  {}{}", r.plan.cluster.nodes[key.first].name, key.second,
                             s.count > 1 ? fmt::format(" x{}", s.count) : "");
    lane.group = key.first;
    lane.bars.push_back({s.start, s.end, lane.label});
    lanes.push_back(std::move(lane));
  }
  return lanes;
}

}  // namespace

std::string render_html(const Report& r) {
  const plan::Plan& p = r.plan;
  const FpgaResult& f = r.fpga;
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  h += fmt::format("<title>atoll estimate: {}</title>\n<style>{}</style></head><body>\n",
                   escape(p.graph.model), page_style(kOwnStyle));
  h += fmt::format("<h1>atoll estimate: {} on {} FPGAs</h1>\n", escape(p.graph.model),
                   p.cluster.nodes.size());
  h += fmt::format(
      "<p>Plan <code>{}</code>: {} layers, {} kernels, sequence length {}, cluster <code>{}</code> "
      "({} x {}), network {} Gb/s, {} ns per hop.</p>\n",
      escape(r.inputs.plan_path), p.graph.layers, p.graph.kernels.size(), p.graph.seq_len,
      escape(p.cluster.name), p.cluster.nodes.size(), escape(p.cluster.nodes.front().device.name),
      p.cluster.network.link_gbps, p.cluster.network.hop_latency_ns);

  h += "<h2>The plan: simulation and analytic estimate</h2>\n<table>\n";
  h += table_row(
      {"", "simulated (network modelled)", "simulated (ideal network)", "analytic estimate"}, true);
  h += table_row({"latency of one sequence (us)", fmt::format("{:.2f}", us(r.sim.latency)),
                  fmt::format("{:.2f}", us(r.ideal_sim.latency)),
                  fmt::format("{:.2f}", p.estimate.latency_us)});
  h += table_row({fmt::format("throughput ({} sequences, seq/s)", r.sim.sequences),
                  fmt::format("{:.1f}", r.sim.throughput_seq_per_s), "-",
                  fmt::format("{:.1f}", p.estimate.throughput_seq_per_s)});
  h += "</table>\n";

  h += "<h2>One sequence, per FPGA</h2>\n";
  h += gantt_svg(lanes_of(r), us(r.sim.latency));
  h += "<p class=\"note\">Each bar spans a kernel group's first row in to its last row out "
       "(sequence alone in the cluster, network modelled).</p>\n";

  h += "<h2>Utilisation</h2>\n";
  std::vector<Bar> util;
  std::vector<double> node_util(p.cluster.nodes.size(), 0);
  for (std::size_t k = 0; k < r.sim.kernels.size(); ++k) {
    const double u = r.sim.makespan > 0 ? static_cast<double>(r.sim.kernels[k].busy) /
                                              static_cast<double>(r.sim.makespan)
                                        : 0;
    node_util[r.sim.kernels[k].node] = std::max(node_util[r.sim.kernels[k].node], u);
  }
  for (std::size_t n = 0; n < node_util.size(); ++n) {
    util.push_back({p.cluster.nodes[n].name + " busiest kernel", node_util[n] * 100, "fpga"});
  }
  for (const sim::LinkStats& l : r.sim.links) {
    if (l.busy > 0) util.push_back({l.name, l.utilisation * 100, "link"});
  }
  h += bar_chart_svg(util, "%", false);
  h += fmt::format("<p class=\"note\">Busy time over the {}-sequence run ({:.1f} us).</p>\n",
                   r.sim.sequences, us(r.sim.makespan));
  h += "<table>\n";
  h += table_row({"kernel", "FPGA", "rows", "busy %", "waiting for input %", "waiting for room %"},
                 true);
  const double span = r.sim.makespan > 0 ? static_cast<double>(r.sim.makespan) : 1;
  for (std::size_t i = 0; i < r.sim.kernels.size(); ++i) {
    const sim::KernelStats& k = r.sim.kernels[i];
    if (k.busy == 0) continue;  // source and sink
    // Matmul stages on AI Engines: "l0.q (AIE 48 tiles)".
    const std::int64_t tiles = i < p.graph.kernels.size() ? cost::aie_tiles(p.graph.kernels[i]) : 0;
    const std::string name = tiles > 0 ? fmt::format("{} (AIE {} tiles)", k.name, tiles) : k.name;
    h += table_row({escape(name), escape(p.cluster.nodes[k.node].name), std::to_string(k.rows),
                    fmt::format("{:.1f}", 100 * static_cast<double>(k.busy) / span),
                    fmt::format("{:.1f}", 100 * static_cast<double>(k.starved) / span),
                    fmt::format("{:.1f}", 100 * static_cast<double>(k.blocked) / span)});
  }
  h += "</table>\n";

  h += "<h2>FPGAs versus GPUs and CPUs</h2>\n";
  h += fmt::format(
      "<p>FPGA side: {} &mdash; latency {:.4g} ms (analytic {:.4g} ms), {:.1f} seq/s, {} boards "
      "x {:.0f} W, {:.4g} mJ per inference at batch 1.</p>\n",
      escape(f.label), f.latency_ms, f.analytic_latency_ms, f.throughput_seq_per_s, f.fpgas,
      f.board_power_w, f.energy_mj);
  std::vector<Bar> lat{{"FPGAs (" + std::to_string(f.fpgas) + " boards)", f.latency_ms, "fpga"}};
  std::vector<Bar> energy{{"FPGAs", f.energy_mj, "fpga"}};
  for (const Comparison& c : r.comparisons) {
    if (!c.comparable || !c.batch || *c.batch != 1 || !c.latency_ms) continue;
    lat.push_back({c.name, *c.latency_ms, to_string(c.kind)});
    if (c.energy_mj) energy.push_back({c.name, *c.energy_mj, to_string(c.kind)});
  }
  h += "<h3>Latency of one inference, batch 1</h3>\n" + bar_chart_svg(lat, "ms", true);
  h += "<h3>Energy per inference, batch 1</h3>\n" + bar_chart_svg(energy, "mJ", true);
  h += "<table>\n";
  h += table_row({"system", "model / seq / batch", "latency ms", "seq/s", "power W", "energy mJ",
                  "FPGA speedup", "FPGA throughput ratio", "FPGA energy advantage", "grade"},
                 true);
  h += table_row({"FPGAs: " + escape(f.label),
                  fmt::format("{} / {} / 1", escape(f.model), f.seq_len),
                  optional_number(f.latency_ms), optional_number(f.throughput_seq_per_s, "{:.1f}"),
                  optional_number(f.board_power_w * f.fpgas, "{:.0f}"),
                  optional_number(f.energy_mj), "", "", "", "sim"});
  for (const Comparison& c : r.comparisons) {
    h +=
        table_row({fmt::format("<span title=\"{}\">{}</span>", escape(c.source + " " + c.note),
                               escape(c.name)),
                   fmt::format("{} / {} / {}{}", escape(c.model), c.seq_len,
                               c.batch ? std::to_string(*c.batch) : "chosen",
                               c.comparable ? "" : " (not comparable)"),
                   optional_number(c.latency_ms), optional_number(c.throughput_seq_per_s, "{:.1f}"),
                   c.power_w > 0 ? fmt::format("{:.0f}", c.power_w) : "-",
                   optional_number(c.energy_mj), optional_number(c.latency_speedup, "{:.3g}x"),
                   optional_number(c.throughput_ratio, "{:.3g}x"),
                   optional_number(c.energy_ratio, "{:.3g}x"), escape(c.grade)});
  }
  h += "</table>\n<p class=\"note\">Speedup = their latency / FPGA latency (below 1: the FPGAs "
       "are slower); throughput ratio = "
       "FPGA / theirs; energy advantage = their energy / FPGA energy. Energy = power x latency "
       "with TDP / maximum board power: upper bounds on both sides. Hover a name for its source."
       "</p>\n";

  if (!r.inputs.projection.empty()) {
    h += "<h2>Projection onto other boards</h2>\n";
    std::vector<Bar> proj_lat, proj_energy;
    for (const ProjectionRow& pr : r.inputs.projection) {
      const std::string label =
          fmt::format("{} {} x{} {}", pr.model, pr.board, pr.fpgas, to_string(pr.method));
      proj_lat.push_back({label, pr.latency_us / 1e3, "fpga"});
      proj_energy.push_back({label, pr.energy_mj, "fpga"});
    }
    h += "<h3>Latency of one inference</h3>\n" + bar_chart_svg(proj_lat, "ms", true);
    h += "<h3>Energy per inference</h3>\n" + bar_chart_svg(proj_energy, "mJ", true);
    h += "<table>\n";
    h += table_row({"model", "board", "method", "FPGAs", "latency us", "analytic us", "seq/s",
                    "energy mJ", "note"},
                   true);
    for (const ProjectionRow& pr : r.inputs.projection) {
      h += table_row(
          {escape(pr.model), escape(pr.board), to_string(pr.method), std::to_string(pr.fpgas),
           fmt::format("{:.1f}", pr.latency_us),
           pr.analytic_latency_us > 0 ? fmt::format("{:.1f}", pr.analytic_latency_us) : "-",
           fmt::format("{:.1f}", pr.throughput_seq_per_s), fmt::format("{:.4g}", pr.energy_mj),
           escape(pr.note)});
    }
    h += "</table>\n";
  }

  h += "<h2>Critical path of one sequence</h2>\n<table>\n";
  h += table_row({"step", "kind", "rows", "start us", "end us"}, true);
  for (const sim::PathStep& s : r.sim.critical_path) {
    h += table_row({escape(s.name), sim::to_string(s.kind),
                    fmt::format("{}..{}", s.first_row, s.last_row),
                    fmt::format("{:.3f}", us(s.start)), fmt::format("{:.3f}", us(s.end))});
  }
  h += "</table>\n";

  h += render_check_script();
  h += "</body></html>\n";
  return h;
}

}  // namespace atl::report
