// render_markdown(): the report's tables as GitHub-flavoured Markdown (for docs and PRs).
#include <fmt/format.h>

#include "report/html_table.h"
#include "report/report.h"
#include "sim/result_json.h"

namespace atl::report {
namespace {

double us(sim::Picos t) {
  return static_cast<double>(t) / 1e6;
}

}  // namespace

std::string render_markdown(const Report& r) {
  const plan::Plan& p = r.plan;
  const FpgaResult& f = r.fpga;
  std::string m =
      fmt::format("# atoll estimate: {} on {} FPGAs\n\n", p.graph.model, p.cluster.nodes.size());
  m += fmt::format("Plan `{}`: {} layers, {} kernels, sequence length {}, {} x {}.\n\n",
                   r.inputs.plan_path, p.graph.layers, p.graph.kernels.size(), p.graph.seq_len,
                   p.cluster.nodes.size(), p.cluster.nodes.front().device.name);
  m += "| | simulated | simulated, ideal network | analytic |\n|---|---:|---:|---:|\n";
  m += fmt::format("| latency of one sequence (us) | {:.2f} | {:.2f} | {:.2f} |\n",
                   us(r.sim.latency), us(r.ideal_sim.latency), p.estimate.latency_us);
  m += fmt::format("| throughput ({} sequences, seq/s) | {:.1f} | - | {:.1f} |\n\n",
                   r.sim.sequences, r.sim.throughput_seq_per_s, p.estimate.throughput_seq_per_s);
  m += fmt::format(
      "## FPGAs versus GPUs and CPUs\n\nFPGA side: {}: {:.4g} ms, {:.1f} seq/s, {} boards x "
      "{:.0f} W, {:.4g} mJ per inference.\n\n",
      f.label, f.latency_ms, f.throughput_seq_per_s, f.fpgas, f.board_power_w, f.energy_mj);
  m += "| system | model / seq / batch | latency ms | seq/s | power W | energy mJ | FPGA speedup "
       "| FPGA throughput ratio | FPGA energy advantage | grade |\n"
       "|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n";
  for (const Comparison& c : r.comparisons) {
    m += fmt::format("| {} | {} / {} / {}{} | {} | {} | {} | {} | {} | {} | {} | {} |\n", c.name,
                     c.model, c.seq_len, c.batch ? std::to_string(*c.batch) : "chosen",
                     c.comparable ? "" : " (not comparable)", optional_number(c.latency_ms),
                     optional_number(c.throughput_seq_per_s, "{:.1f}"),
                     c.power_w > 0 ? fmt::format("{:.0f}", c.power_w) : "-",
                     optional_number(c.energy_mj), optional_number(c.latency_speedup, "{:.3g}x"),
                     optional_number(c.throughput_ratio, "{:.3g}x"),
                     optional_number(c.energy_ratio, "{:.3g}x"), c.grade);
  }
  if (!r.inputs.projection.empty()) {
    m += "\n## Projection onto other boards\n\n| model | board | method | FPGAs | latency us | "
         "analytic us | seq/s | energy mJ | note |\n|---|---|---|---:|---:|---:|---:|---:|---|\n";
    for (const ProjectionRow& pr : r.inputs.projection) {
      m += fmt::format(
          "| {} | {} | {} | {} | {:.1f} | {} | {:.1f} | {:.4g} | {} |\n", pr.model, pr.board,
          to_string(pr.method), pr.fpgas, pr.latency_us,
          pr.analytic_latency_us > 0 ? fmt::format("{:.1f}", pr.analytic_latency_us) : "-",
          pr.throughput_seq_per_s, pr.energy_mj, pr.note);
    }
  }
  m += "\n## Critical path of one sequence\n\n| step | kind | rows | start us | end us |\n"
       "|---|---|---|---:|---:|\n";
  for (const sim::PathStep& s : r.sim.critical_path) {
    m += fmt::format("| {} | {} | {}..{} | {:.3f} | {:.3f} |\n", s.name, sim::to_string(s.kind),
                     s.first_row, s.last_row, us(s.start), us(s.end));
  }
  return m;
}

}  // namespace atl::report
