#include "hw/galapagos_board.h"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>
#include <vector>

#include "core/error.h"
#include "hw/yaml_fields.h"

namespace atl::hw {

GalapagosBoards load_galapagos_boards(const std::filesystem::path& catalogue_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(catalogue_dir, ec)) {
    throw core::Error(
        fmt::format("{}: device catalogue directory not found", catalogue_dir.string()));
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(catalogue_dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  GalapagosBoards boards;
  for (const auto& file : files) {
    const YAML::Node root = load_yaml_map(file, "device description");
    const std::string at = file.string();
    std::string galapagos;
    if (const YAML::Node section = root["galapagos"]) {
      if (!section.IsMap()) throw core::Error(fmt::format("{}.galapagos: expected a mapping", at));
      const YAML::Node board = section["board"];
      if (!board || !board.IsMap()) {
        throw core::Error(fmt::format(
            "{}.galapagos.board: expected {{value: NAME, source: \"...\", grade: G}}", at));
      }
      text_field(board, "source", at + ".galapagos.board");  // every outside name has a source
      galapagos = text_field(board, "value", at + ".galapagos.board");
      if (galapagos.empty()) throw core::Error(fmt::format("{}.galapagos.board.value: empty", at));
    }
    boards[text_field(root, "name", at)] = galapagos;
  }
  return boards;
}

}  // namespace atl::hw
