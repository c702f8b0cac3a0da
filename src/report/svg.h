// Inline SVG charts for the HTML report: no scripts, no fonts or files from elsewhere, so the
// report renders the same offline in any browser.
#pragma once

#include <string>
#include <vector>

namespace atl::report {

// Escapes &, <, >, " and ' for HTML/SVG text and attributes.
std::string escape(const std::string& text);

struct GanttBar {
  double start = 0, end = 0;  // microseconds
  std::string label;          // shown on hover (<title>)
};

struct GanttLane {
  std::string label;  // e.g. "fpga1  attention x12"
  std::vector<GanttBar> bars;
  int group = 0;  // lanes of one FPGA share a group (and a colour)
};

// Timeline of one sequence: one lane per (FPGA, kernel group), time axis in microseconds.
std::string gantt_svg(const std::vector<GanttLane>& lanes, double end_us);

struct Bar {
  std::string label;
  double value = 0;
  std::string css;  // class of the bar: "fpga", "gpu", "cpu", "bound", "link", ...
};

// Horizontal bars with their values; `log_scale` for quantities spanning decades (latencies).
std::string bar_chart_svg(const std::vector<Bar>& bars, const std::string& unit, bool log_scale);

}  // namespace atl::report
