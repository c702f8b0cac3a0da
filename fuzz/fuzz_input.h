// What every fuzz target checks: a reader given any bytes returns or throws a core::Error that is
// not a bug (ErrorKind::internal). Anything else (another exception, a crash, a sanitizer report,
// a hang) is a finding.
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/error.h"

namespace atl::fuzz {

inline std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

template <class Read>
void expect_clean(Read read) {
  try {
    read();
  } catch (const core::Error& e) {
    if (e.kind() == core::ErrorKind::internal) {
      fmt::print(stderr, "internal error: {}\n", e.what());
      std::abort();
    }
  }
}

}  // namespace atl::fuzz
