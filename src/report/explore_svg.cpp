// front_svg(): the explore chart, latency against boards on log-log axes.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "report/explore.h"
#include "report/svg.h"

namespace atl::report {
namespace {

constexpr int kLeft = 70, kTop = 16, kPlotW = 640, kPlotH = 320, kRight = 240, kBottom = 44;

struct LogAxis {
  double lo = 1, hi = 10;  // whole decades (or powers of two) around the data
  double to(double v, double pixels) const { return std::log(v / lo) / std::log(hi / lo) * pixels; }
};

LogAxis decades(double lo, double hi) {
  LogAxis a;
  a.lo = std::pow(10.0, std::floor(std::log10(lo)));
  a.hi = std::pow(10.0, std::ceil(std::log10(hi)));
  if (a.hi <= a.lo) a.hi = a.lo * 10;
  return a;
}

}  // namespace

std::string front_svg(const Exploration& e) {
  double lat_lo = 1e300, lat_hi = 0;
  int boards_hi = 1;
  std::map<std::string, int> colour;
  for (const ExplorePoint& p : e.points) {
    colour.emplace(p.board, static_cast<int>(colour.size()));
    if (!p.fits) continue;
    lat_lo = std::min(lat_lo, p.latency_ms);
    lat_hi = std::max(lat_hi, p.latency_ms);
    boards_hi = std::max(boards_hi, p.boards);
  }
  for (const AnchorAnswer& a : e.answers) {
    lat_lo = std::min(lat_lo, a.anchor.latency_ms);
    lat_hi = std::max(lat_hi, a.anchor.latency_ms);
  }
  const int width = kLeft + kPlotW + kRight, height = kTop + kPlotH + kBottom;
  std::string s = fmt::format(
      "<svg class=\"chart front\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "viewBox=\"0 0 {} {}\" role=\"img\">\n",
      width, height, width, height);
  if (lat_hi <= 0) return s + "<text x=\"10\" y=\"20\">no combination fits</text>\n</svg>\n";
  const LogAxis y = decades(lat_lo, lat_hi);
  LogAxis x;
  x.lo = 1;
  x.hi = std::max(2.0, std::pow(2.0, std::ceil(std::log2(boards_hi))));
  const auto px = [&](double boards) { return kLeft + x.to(boards, kPlotW); };
  const auto py = [&](double ms) { return kTop + kPlotH - y.to(ms, kPlotH); };
  for (double b = 1; b <= x.hi; b *= 2) {
    s += fmt::format(
        "<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\"/><text "
        "class=\"tick\" x=\"{0:.1f}\" y=\"{3}\">{4:g}</text>\n",
        px(b), kTop, kTop + kPlotH, kTop + kPlotH + 14, b);
  }
  for (double v = y.lo; v <= y.hi * 1.0001; v *= 10) {
    s += fmt::format(
        "<line class=\"grid\" x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\"/><text "
        "class=\"axis\" x=\"4\" y=\"{3:.1f}\">{4:g} ms</text>\n",
        kLeft, py(v), kLeft + kPlotW, py(v) + 4, v);
  }
  s += fmt::format(
      "<text class=\"axis\" x=\"{}\" y=\"{}\">boards holding kernels (log scale); latency per {} "
      "(log scale)</text>\n",
      kLeft, height - 6, to_string(e.unit));
  for (const AnchorAnswer& a : e.answers) {
    const double v = py(a.anchor.latency_ms);
    s += fmt::format(
        "<line class=\"anchor {0}\" x1=\"{1}\" y1=\"{2:.1f}\" x2=\"{3}\" "
        "y2=\"{2:.1f}\"><title>{4}: "
        "{5:.4g} ms, {6:.4g} mJ</title></line><text x=\"{7}\" y=\"{8:.1f}\">{9} {5:.3g} "
        "ms</text>\n",
        to_string(a.anchor.kind), kLeft, v, kLeft + kPlotW, escape(a.anchor.name),
        a.anchor.latency_ms, a.anchor.energy_mj, kLeft + kPlotW + 4, v + 4,
        escape(a.anchor.device));
  }
  std::string line;
  std::vector<std::size_t> by_boards = e.front;
  std::sort(by_boards.begin(), by_boards.end(),
            [&](std::size_t a, std::size_t b) { return e.points[a].boards < e.points[b].boards; });
  for (std::size_t i : by_boards) {
    line += fmt::format("{:.1f},{:.1f} ", px(e.points[i].boards), py(e.points[i].latency_ms));
  }
  if (!line.empty()) s += fmt::format("<polyline class=\"front\" points=\"{}\"/>\n", line);
  for (const ExplorePoint& p : e.points) {
    if (!p.fits) continue;
    s += fmt::format(
        "<circle class=\"g{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"4\"><title>{} x {} (cluster of "
        "{}): {:.4g} ms, {:.4g} mJ</title></circle>\n",
        colour[p.board] % 6, px(p.boards), py(p.latency_ms), p.boards, escape(p.board), p.cluster,
        p.latency_ms, p.energy_mj);
  }
  int row = 0;
  for (const auto& [board, c] : colour) {
    const int ly = kTop + kPlotH - 14 * (static_cast<int>(colour.size()) - row++);
    s += fmt::format(
        "<circle class=\"g{}\" cx=\"{}\" cy=\"{}\" r=\"4\"/><text x=\"{}\" y=\"{}\">{}</text>\n",
        c % 6, kLeft + kPlotW + 10, ly, kLeft + kPlotW + 18, ly + 4, escape(board));
  }
  return s + "</svg>\n";
}

}  // namespace atl::report
