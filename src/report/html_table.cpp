// The shared report pieces of html_table.h.
#include "report/html_table.h"

#include <fmt/format.h>

namespace atl::report {

std::string table_row(const std::vector<std::string>& cells, bool header) {
  std::string s = "<tr>";
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const char* tag = header ? "th" : "td";
    s += fmt::format("<{} class=\"{}\">{}</{}>", tag, i == 0 ? "l" : "", cells[i], tag);
  }
  return s + "</tr>\n";
}

std::string optional_number(std::optional<double> value, const char* spec) {
  return value ? fmt::format(fmt::runtime(spec), *value) : "-";
}

std::string render_check_script() {
  return R"(<p id="render-check" class="note">charts not rendered</p>
<script>
(function () {
  var n = 0;
  document.querySelectorAll('svg rect').forEach(function (r) {
    var b = r.getBBox();
    if (b.width > 0 && b.height > 0) n++;
  });
  var p = document.getElementById('render-check');
  p.setAttribute('data-rendered-rects', String(n));
  p.textContent = 'rendered chart rectangles: ' + n;
})();
</script>
)";
}

}  // namespace atl::report
