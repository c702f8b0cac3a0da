#include "cli/paths.h"

#include <cstdlib>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"

namespace atl::cli {

std::filesystem::path shipped_file(const std::filesystem::path& relative) {
  std::vector<std::filesystem::path> roots;
  if (const char* home = std::getenv("ATOLL_HOME"); home && *home) roots.emplace_back(home);
  roots.emplace_back(ATOLL_SOURCE_DIR);
  roots.emplace_back(std::filesystem::current_path());
  std::string searched;
  for (const auto& root : roots) {
    std::error_code ec;
    if (std::filesystem::exists(root / relative, ec)) return root / relative;
    searched += (searched.empty() ? "" : ", ") + root.string();
  }
  throw core::Error(fmt::format("{}: not found under {} (set ATOLL_HOME to the atoll source tree)",
                                relative.string(), searched));
}

}  // namespace atl::cli
