#include "report/svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/xml.h"

namespace atl::report {
namespace {

constexpr int kLabelWidth = 260;  // px left of the plot for lane and bar labels
constexpr int kPlotWidth = 620;
constexpr int kRowHeight = 18;

// A "nice" tick step (1, 2 or 5 x 10^k) giving about `ticks` ticks over `span`.
double tick_step(double span, int ticks) {
  const double raw = span / ticks;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0}) {
    if (m * mag >= raw) return m * mag;
  }
  return 10 * mag;
}

}  // namespace

std::string escape(const std::string& text) {
  return core::xml_escape(text);
}

std::string gantt_svg(const std::vector<GanttLane>& lanes, double end_us) {
  const int top = 34;
  const int height = top + static_cast<int>(lanes.size()) * kRowHeight + 10;
  const int width = kLabelWidth + kPlotWidth + 20;
  const double span = end_us > 0 ? end_us : 1;
  auto x = [&](double t) { return kLabelWidth + t / span * kPlotWidth; };
  std::string s = fmt::format(
      "<svg class=\"chart gantt\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" "
      "height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\">\n",
      width, height, width, height);
  const double step = tick_step(span, 8);
  for (double t = 0; t <= span + 1e-9; t += step) {
    s += fmt::format(
        "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{}\" x2=\"{:.1f}\" y2=\"{}\"/><text "
        "class=\"tick\" "
        "x=\"{:.1f}\" y=\"{}\">{:g}</text>\n",
        x(t), top - 4, x(t), height - 10, x(t), top - 8, t);
  }
  s += fmt::format("<text class=\"axis\" x=\"{}\" y=\"11\">time of one sequence (us)</text>\n",
                   kLabelWidth);
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    const GanttLane& lane = lanes[i];
    const int y = top + static_cast<int>(i) * kRowHeight;
    s += fmt::format("<text class=\"lane\" x=\"4\" y=\"{}\">{}</text>\n", y + 13,
                     escape(lane.label));
    for (const GanttBar& b : lane.bars) {
      const double w = std::max(1.0, x(b.end) - x(b.start));
      s += fmt::format(
          "<rect class=\"bar g{}\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\"><title>{}: "
          "{:.2f}-{:.2f} us</title></rect>\n",
          lane.group % 6, x(b.start), y + 2, w, kRowHeight - 4, escape(b.label), b.start, b.end);
    }
  }
  s += "</svg>\n";
  return s;
}

std::string bar_chart_svg(const std::vector<Bar>& bars, const std::string& unit, bool log_scale) {
  const int top = 8;
  const int height = top + static_cast<int>(bars.size()) * kRowHeight + 8;
  const int width = kLabelWidth + kPlotWidth + 120;
  double lo = 0, hi = 0;
  for (const Bar& b : bars) {
    if (b.value <= 0) continue;
    lo = lo == 0 ? b.value : std::min(lo, b.value);
    hi = std::max(hi, b.value);
  }
  if (log_scale && lo > 0) {
    lo = std::pow(10.0, std::floor(std::log10(lo)));
    hi = std::pow(10.0, std::ceil(std::log10(hi)));
    if (hi <= lo) hi = lo * 10;
  }
  auto len = [&](double v) {
    if (v <= 0 || hi <= 0) return 0.0;
    if (!log_scale) return v / hi * kPlotWidth;
    // Log scale from one decade below the smallest value, so the smallest bar still shows.
    const double base = lo / 10;
    return std::log10(v / base) / std::log10(hi / base) * kPlotWidth;
  };
  std::string s = fmt::format(
      "<svg class=\"chart bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\" role=\"img\">\n",
      width, height, width, height);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const int y = top + static_cast<int>(i) * kRowHeight;
    const double w = std::max(len(b.value), b.value > 0 ? 1.0 : 0.0);
    s += fmt::format(
        "<text class=\"lane\" x=\"4\" y=\"{}\">{}</text><rect class=\"bar {}\" x=\"{}\" y=\"{}\" "
        "width=\"{:.1f}\" height=\"{}\"><title>{}: {:.4g} {}</title></rect><text class=\"value\" "
        "x=\"{:.1f}\" y=\"{}\">{:.4g} {}</text>\n",
        y + 13, escape(b.label), escape(b.css), kLabelWidth, y + 2, w, kRowHeight - 4,
        escape(b.label), b.value, escape(unit), kLabelWidth + w + 4, y + 13, b.value, escape(unit));
  }
  s += fmt::format("<text class=\"axis\" x=\"{}\" y=\"{}\">{}{}</text>\n", kLabelWidth, height - 1,
                   escape(unit), log_scale ? " (log scale)" : "");
  s += "</svg>\n";
  return s;
}

}  // namespace atl::report
