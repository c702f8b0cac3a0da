// Typed reads of YAML fields for the hardware files (devices, clusters, network constants), each
// error naming the file and the field path. Figures from outside come as {value, source, grade}
// maps (data/README.md); only the value is kept, the source stays in the file for people.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

namespace atl::hw {

// Parses a YAML file into a mapping; errors name the file.
YAML::Node load_yaml_map(const std::filesystem::path& path, const std::string& what);
// The same from YAML text; `where` names it in errors.
YAML::Node parse_yaml_map(const std::string& text, const std::string& where,
                          const std::string& what);

// `field` of `map`; `at` is "file: path.to.map" for messages. Missing -> error unless optional.
std::string text_field(const YAML::Node& map, const std::string& field, const std::string& at);
double number_field(const YAML::Node& map, const std::string& field, const std::string& at);
// Integers must lie in [lo, hi] (the error names the range): a value the caller would cut to a
// narrower type must be rejected here, not wrapped.
std::int64_t integer_field(const YAML::Node& map, const std::string& field, const std::string& at,
                           std::int64_t lo = std::numeric_limits<std::int64_t>::min(),
                           std::int64_t hi = std::numeric_limits<std::int64_t>::max());

// A sourced figure: {value: X, source: "...", grade: ...} (a bare number is rejected: every
// figure needs its source). Returns `fallback` when the field is absent and `optional`.
double sourced_number(const YAML::Node& map, const std::string& field, const std::string& at,
                      bool optional = false, double fallback = 0);

}  // namespace atl::hw
