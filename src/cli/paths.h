// Where the CLI finds the files shipped with atoll (examples/, data/) when run from anywhere.
#pragma once

#include <filesystem>

namespace atl::cli {

// `relative` under the first of: $ATOLL_HOME, the source tree atoll was built from, the current
// directory. Throws core::Error naming every place searched when none holds it.
std::filesystem::path shipped_file(const std::filesystem::path& relative);

}  // namespace atl::cli
