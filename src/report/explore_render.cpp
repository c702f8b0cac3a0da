// The explore report as Markdown, HTML (with the front chart) and JSON.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <set>

#include "report/explore.h"
#include "report/style.h"
#include "report/svg.h"

namespace atl::report {
namespace {

const char* per_second(ExploreUnit unit) {
  return unit == ExploreUnit::inference ? "seq/s" : "tokens/s";
}

std::string heading(const Exploration& e) {
  return fmt::format("atoll explore: {} (per {}, batch {}, objective {})", e.model,
                     to_string(e.unit), e.batch, to_string(e.objective));
}

std::string summary(const Exploration& e) {
  std::set<std::string> boards;
  for (const ExplorePoint& p : e.points) boards.insert(p.board);
  std::size_t fitting = 0;
  for (const ExplorePoint& p : e.points) fitting += p.fits ? 1 : 0;
  return fmt::format(
      "{} combinations ({} boards x cluster sizes), {} fit; mapped (automatic mapper) and "
      "simulated in {:.1f} s on {} jobs. Sequence length {}. Clusters: {}. Energy = board power x "
      "boards holding kernels x latency / batch (every board at its maximum power: an upper "
      "bound, as the GPUs' TDP x latency).",
      e.points.size(), boards.size(), fitting, e.wall_s, e.jobs, e.seq_len, e.topology);
}

// Table rows of points: board, cluster, boards used, latency, analytic, throughput, energy.
std::vector<std::string> cells(const ExplorePoint& p) {
  if (!p.fits) return {p.board, fmt::format("{}", p.cluster), "does not fit", p.why_not};
  const double diff =
      p.analytic_latency_ms > 0 ? (p.latency_ms / p.analytic_latency_ms - 1) * 100 : 0;
  return {p.board,
          fmt::format("{}", p.cluster),
          fmt::format("{}", p.boards),
          fmt::format("{:.4g}", p.latency_ms),
          fmt::format("{:.4g} ({:+.1f} %)", p.analytic_latency_ms, diff),
          fmt::format("{:.4g}", p.throughput_per_s),
          fmt::format("{:.4g}", p.energy_mj)};
}

std::vector<std::string> header(const Exploration& e) {
  return {"board",
          "cluster",
          "boards used",
          fmt::format("latency ms per {}", to_string(e.unit)),
          "analytic ms (sim vs analytic)",
          per_second(e.unit),
          fmt::format("energy mJ per {}", to_string(e.unit))};
}

std::string md_row(const std::vector<std::string>& c) {
  std::string s = "|";
  for (const std::string& x : c) s += " " + x + " |";
  return s + "\n";
}

std::string html_row(const std::vector<std::string>& c, bool head = false) {
  std::string s = "<tr>";
  const char* tag = head ? "th" : "td";
  for (std::size_t i = 0; i < c.size(); ++i) {
    // A point that does not fit spans the remaining columns with its reason.
    const bool reason = !head && c.size() == 4 && i == 3;
    s += fmt::format("<{} class=\"{}\"{}>{}</{}>", tag, i == 0 || reason ? "l" : "",
                     reason ? " colspan=\"4\"" : "", escape(c[i]), tag);
  }
  return s + "</tr>\n";
}

// The page style: the shared one (report/style.h) and this page's own rules.
constexpr const char* kOwnStyle = R"(
.chart .axis { fill: #777; } .chart .front { fill: none; stroke: #222; stroke-width: 1.5; }
.chart .anchor { stroke-dasharray: 5 3; stroke-width: 1.2; } .chart .anchor.gpu { stroke: #4c78a8; }
.chart .anchor.cpu { stroke: #72b7b2; }
.chart .anchor.roofline { stroke: #bab0ac; } .chart .anchor.fpga { stroke: #e45756; }
)";

}  // namespace

std::string render_explore_markdown(const Exploration& e) {
  std::string s =
      fmt::format("# {}\n\n{}\n\n## Against the GPUs and CPUs\n\n", heading(e), summary(e));
  if (e.answers.empty()) s += "No published result for this model, sequence length and batch.\n";
  for (const std::string& line : answer_lines(e)) s += "- " + line + "\n";
  s += fmt::format("\n## Pareto front (latency, energy per {}, boards)\n\n", to_string(e.unit));
  const std::vector<std::string> head = header(e);
  s += md_row(head);
  s += md_row(std::vector<std::string>(head.size(), "---"));
  for (std::size_t i : e.front) s += md_row(cells(e.points[i]));
  s += "\n## Every combination\n\n";
  s += md_row(head);
  s += md_row(std::vector<std::string>(head.size(), "---"));
  for (const ExplorePoint& p : e.points) s += md_row(cells(p));
  return s;
}

std::string render_explore_html(const Exploration& e) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  h += fmt::format("<title>{}</title>\n<style>{}</style></head><body>\n", escape(heading(e)),
                   page_style(kOwnStyle));
  h += fmt::format("<h1>{}</h1>\n<p>{}</p>\n", escape(heading(e)), escape(summary(e)));
  h += "<h2>Against the GPUs and CPUs</h2>\n<ul>\n";
  for (const std::string& line : answer_lines(e)) h += "<li>" + escape(line) + "</li>\n";
  h += "</ul>\n";
  if (e.answers.empty()) {
    h += "<p class=\"note\">No published result for this model, sequence length and batch.</p>\n";
  }
  h += fmt::format(
      "<h2>The front</h2>\n<p class=\"note\">Latency per {} against boards holding kernels "
      "(log-log); the black line joins the Pareto front; dashed lines are the published "
      "results.</p>\n",
      to_string(e.unit));
  h += front_svg(e);
  h += "<table>\n" + html_row(header(e), true);
  for (std::size_t i : e.front) h += html_row(cells(e.points[i]));
  h += "</table>\n<h2>Every combination</h2>\n<table>\n" + html_row(header(e), true);
  for (const ExplorePoint& p : e.points) h += html_row(cells(p));
  h += "</table>\n</body></html>\n";
  return h;
}

nlohmann::json anchor_to_json(const Anchor& a) {
  return {{"name", a.name},       {"kind", to_string(a.kind)},
          {"device", a.device},   {"latency_ms", a.latency_ms},
          {"power_w", a.power_w}, {"energy_mj", a.energy_mj},
          {"source", a.source},   {"grade", a.grade}};
}

nlohmann::json explore_to_json(const Exploration& e) {
  nlohmann::json points = nlohmann::json::array();
  for (const ExplorePoint& p : e.points) {
    nlohmann::json j = {{"board", p.board}, {"cluster", p.cluster}, {"fits", p.fits}};
    if (p.fits) {
      j["boards"] = p.boards;
      j["board_power_w"] = p.board_power_w;
      j["latency_ms"] = p.latency_ms;
      j["analytic_latency_ms"] = p.analytic_latency_ms;
      j["throughput_per_s"] = p.throughput_per_s;
      j["energy_mj"] = p.energy_mj;
    } else {
      j["why_not"] = p.why_not;
    }
    j["seconds"] = p.seconds;
    points.push_back(std::move(j));
  }
  nlohmann::json answers = nlohmann::json::array();
  for (const AnchorAnswer& a : e.answers) {
    const auto index = [](const std::optional<std::size_t>& i) {
      return i ? nlohmann::json(*i) : nlohmann::json(nullptr);
    };
    nlohmann::json j = anchor_to_json(a.anchor);
    j["faster"] = index(a.faster);
    j["greener"] = index(a.greener);
    answers.push_back(std::move(j));
  }
  return {{"model", e.model},
          {"unit", to_string(e.unit)},
          {"objective", to_string(e.objective)},
          {"batch", e.batch},
          {"seq_len", e.seq_len},
          {"topology", e.topology},
          {"wall_s", e.wall_s},
          {"jobs", e.jobs},
          {"points", points},
          {"front", e.front},
          {"answers", answers},
          {"lines", answer_lines(e)}};
}

}  // namespace atl::report
