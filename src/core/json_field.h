// Typed access to fields of JSON objects, with errors naming the JSON path and what was expected
// (plan and graph files are machine-written but may be edited by hand).
#pragma once

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

#include "core/error.h"

namespace atl::core {

// Reads `key` of object `j` as T (bool, string, floating point or integer); `at` is the path.
template <typename T>
T json_field(const nlohmann::json& j, const std::string& key, const std::string& at) {
  if (!j.is_object()) throw Error(fmt::format("{}: expected an object", at));
  auto it = j.find(key);
  if (it == j.end()) throw Error(fmt::format("{}.{}: missing field", at, key));
  const bool ok = std::is_same_v<T, bool>          ? it->is_boolean()
                  : std::is_same_v<T, std::string> ? it->is_string()
                  : std::is_floating_point_v<T>    ? it->is_number()
                                                   : it->is_number_integer();
  if (!ok) {
    const char* expected = std::is_same_v<T, bool>          ? "a boolean"
                           : std::is_same_v<T, std::string> ? "a string"
                           : std::is_floating_point_v<T>    ? "a number"
                                                            : "an integer";
    throw Error(fmt::format("{}.{}: expected {}, got {}", at, key, expected, it->dump()));
  }
  return it->get<T>();
}

inline const nlohmann::json& json_array(const nlohmann::json& j, const std::string& key,
                                        const std::string& at) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) {
    throw Error(fmt::format("{}.{}: missing or not an array", at, key));
  }
  return *it;
}

}  // namespace atl::core
