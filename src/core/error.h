// The one exception type of atoll. Every message names where the problem is (file, field,
// kernel, node) and what was expected, so the CLI can print it as one line.
#pragma once

#include <stdexcept>
#include <string>

namespace atl::core {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace atl::core
