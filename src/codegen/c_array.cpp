#include "codegen/c_array.h"

#include <fmt/format.h>

#include <limits>

namespace atl::codegen {
namespace {

constexpr std::size_t kValuesPerLine = 64;

// One byte inside a string literal: itself when printable and harmless, else a three-digit
// octal escape (which never swallows a following digit, unlike \x). '?' is escaped as well:
// -std=c++14 still reads trigraphs.
void append_char(std::string& s, std::uint8_t b) {
  if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\' && b != '?') {
    s += static_cast<char>(b);
  } else {
    s += '\\';
    s += static_cast<char>('0' + (b >> 6));
    s += static_cast<char>('0' + ((b >> 3) & 7));
    s += static_cast<char>('0' + (b & 7));
  }
}

std::string decimal(std::int64_t v) {
  // -9223372036854775808 is not a literal (the minus applies to a too-large positive one).
  if (v == std::numeric_limits<std::int64_t>::min()) return "(-9223372036854775807LL - 1)";
  return fmt::format("{}", v);
}

}  // namespace

std::string int8_array(const std::string& name, std::span<const std::int8_t> values) {
  std::string s = fmt::format("const std::int8_t {}[{} + 1] =", name, values.size());
  s.reserve(s.size() + values.size() * 3 + values.size() / kValuesPerLine * 4 + 8);
  for (std::size_t i = 0; i < values.size(); i += kValuesPerLine) {
    s += "\n    \"";
    for (std::size_t j = i; j < values.size() && j < i + kValuesPerLine; ++j)
      append_char(s, static_cast<std::uint8_t>(values[j]));
    s += '"';
  }
  if (values.empty()) s += " \"\"";
  return s + ";\n";
}

std::string int_array(const std::string& type, const std::string& name,
                      std::span<const std::int64_t> values) {
  std::string s = fmt::format("const {} {}[{}] = {{", type, name, values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    s += i % 10 == 0 ? "\n    " : " ";
    s += decimal(values[i]);
    if (i + 1 < values.size()) s += ',';
  }
  return s + "};\n";
}

}  // namespace atl::codegen
