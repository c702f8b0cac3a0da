// Whole-file reads and writes with errors that name the file, for every text format atoll
// writes (plans, graphs, XML, scales) and the JSON files it reads.
#pragma once

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/error.h"

namespace atl::core {

inline void write_text_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(fmt::format("{}: cannot open for writing", path.string()));
  out << text;
  if (!out) throw Error(fmt::format("{}: write failed", path.string()));
}

// Parses a JSON file; `what` names the kind of file in the "cannot open" error.
inline nlohmann::json read_json_file(const std::filesystem::path& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open {}", path.string(), what));
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(fmt::format("{}: invalid JSON: {}", path.string(), e.what()));
  }
}

}  // namespace atl::core
