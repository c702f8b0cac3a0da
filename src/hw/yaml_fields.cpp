#include "hw/yaml_fields.h"

#include <fmt/format.h>

#include <cmath>

#include "core/error.h"
#include "core/file.h"

namespace atl::hw {
namespace {

YAML::Node required(const YAML::Node& map, const std::string& field, const std::string& at) {
  YAML::Node node = map[field];
  if (!node) throw core::Error(fmt::format("{}.{}: missing field", at, field));
  return node;
}

std::string shown(const YAML::Node& node) {
  return node.IsScalar() ? "'" + node.Scalar() + "'" : std::string("a list or mapping");
}

}  // namespace

YAML::Node load_yaml_map(const std::filesystem::path& path, const std::string& what) {
  return parse_yaml_map(core::read_text_file(path, what), path.string(), what);
}

YAML::Node parse_yaml_map(const std::string& text, const std::string& where,
                          const std::string& what) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw core::Error(fmt::format("{}: invalid YAML: {}", where, e.what()));
  }
  if (!root.IsMap())
    throw core::Error(fmt::format("{}: expected a YAML mapping ({})", where, what));
  return root;
}

std::string text_field(const YAML::Node& map, const std::string& field, const std::string& at) {
  YAML::Node node = required(map, field, at);
  if (!node.IsScalar())
    throw core::Error(fmt::format("{}.{}: expected a string, got {}", at, field, shown(node)));
  return node.Scalar();
}

double number_field(const YAML::Node& map, const std::string& field, const std::string& at) {
  YAML::Node node = required(map, field, at);
  try {
    const double v = node.as<double>();
    if (std::isfinite(v)) return v;
  } catch (const YAML::Exception&) {
  }
  throw core::Error(fmt::format("{}.{}: expected a number, got {}", at, field, shown(node)));
}

std::int64_t integer_field(const YAML::Node& map, const std::string& field, const std::string& at,
                           std::int64_t lo, std::int64_t hi) {
  YAML::Node node = required(map, field, at);
  std::int64_t v = 0;
  try {
    v = node.as<std::int64_t>();
  } catch (const YAML::Exception&) {
    throw core::Error(fmt::format("{}.{}: expected an integer, got {}", at, field, shown(node)));
  }
  if (v < lo || v > hi) {
    throw core::Error(
        fmt::format("{}.{}: expected an integer in [{}, {}], got {}", at, field, lo, hi, v));
  }
  return v;
}

double sourced_number(const YAML::Node& map, const std::string& field, const std::string& at,
                      bool optional, double fallback) {
  YAML::Node node = map[field];
  if (!node && optional) return fallback;
  node = required(map, field, at);
  if (!node.IsMap()) {
    throw core::Error(
        fmt::format("{}.{}: expected {{value, source, grade}}, got {}", at, field, shown(node)));
  }
  const std::string inner = at + "." + field;
  if (!node["source"])
    throw core::Error(fmt::format("{}.source: missing (every figure needs one)", inner));
  return number_field(node, "value", inner);
}

}  // namespace atl::hw
