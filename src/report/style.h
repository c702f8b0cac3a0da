// The CSS every HTML page of atoll shares (the estimate report, explore's front): fonts, tables,
// chart text and the group colours; a page adds its own rules after it.
#pragma once

#include <string>

namespace atl::report {

inline constexpr const char* kSharedStyle = R"(
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .5em 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th { background: #f4f4f4; } td.l, th.l { text-align: left; }
.chart text { font: 11px system-ui, sans-serif; fill: #333; }
.chart .tick { text-anchor: middle; fill: #777; } .chart .grid { stroke: #eee; }
.g0 { fill: #4c78a8; } .g1 { fill: #f58518; } .g2 { fill: #54a24b; } .g3 { fill: #b279a2; }
.g4 { fill: #e45756; } .g5 { fill: #9d755d; }
.note { color: #666; font-size: 12px; }
)";

// The shared style followed by a page's own rules.
inline std::string page_style(const char* own) {
  return std::string(kSharedStyle) + own;
}

}  // namespace atl::report
