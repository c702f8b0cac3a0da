// The bytes a C++ compiler reads from the string literals after the first '=' of `text`
// (adjacent literals joined; escapes: three-digit octal, as codegen::int8_array writes them),
// for the tests of generated int8 tables.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace atl::codegen::test {

inline std::vector<std::int8_t> literal_bytes(const std::string& text) {
  std::vector<std::int8_t> out;
  bool inside = false;
  for (std::size_t i = text.find('='); i < text.size(); ++i) {
    const char c = text[i];
    if (!inside) {
      if (c == ';') break;
      inside = c == '"';
    } else if (c == '"') {
      inside = false;
    } else if (c == '\\') {
      out.push_back(static_cast<std::int8_t>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                                             (text[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(static_cast<std::int8_t>(c));
    }
  }
  return out;
}

}  // namespace atl::codegen::test
