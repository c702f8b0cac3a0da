// Pieces the HTML and Markdown reports share (the encoder report, the decoder report): a table
// row, an optional number, and the render check at the end of an HTML page.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace atl::report {

// One <tr>: the first cell left-aligned (class "l"), the rest right-aligned; <th> for a header.
// Cells are HTML already (escape() text first).
std::string table_row(const std::vector<std::string>& cells, bool header = false);

// `value` formatted with `spec` (fmt syntax), or "-" when absent.
std::string optional_number(std::optional<double> value, const char* spec = "{:.4g}");

// A paragraph (#render-check) and a few lines of inline script that count the chart rectangles
// the browser laid out and write the count into it, so a headless browser test can tell that
// the charts render.
std::string render_check_script();

}  // namespace atl::report
