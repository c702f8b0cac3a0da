// The report formats: names, the choice from a file name, and rendering in one of them.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "report/report.h"

namespace atl::report {

const char* to_string(Format format) {
  switch (format) {
    case Format::html:
      return "html";
    case Format::md:
      return "md";
    case Format::json:
      return "json";
  }
  return "?";
}

Format parse_format(const std::string& text, const std::string& where) {
  for (Format f : {Format::html, Format::md, Format::json}) {
    if (text == to_string(f)) return f;
  }
  throw core::Error(fmt::format("{} must be html, md or json, got '{}'", where, text));
}

Format format_of_path(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (ext == ".md") return Format::md;
  if (ext == ".json") return Format::json;
  return Format::html;
}

std::string render(const Report& report, Format format) {
  switch (format) {
    case Format::html:
      return render_html(report);
    case Format::md:
      return render_markdown(report);
    case Format::json:
      return to_json(report).dump(2) + "\n";
  }
  throw core::Error(core::ErrorKind::internal, "report: unknown format");
}

}  // namespace atl::report
