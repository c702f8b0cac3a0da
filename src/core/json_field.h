// Typed access to fields of JSON objects, with errors naming the JSON path and what was expected
// (plan and graph files are machine-written but may be edited by hand).
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <type_traits>

#include "core/error.h"

namespace atl::core {

// A value as shown in an error message: its JSON text, cut to 80 characters.
inline std::string shown(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

// Reads `key` of object `j` as an integer in [lo, hi]; the error names the range.
inline std::int64_t json_int(const nlohmann::json& j, const std::string& key, const std::string& at,
                             std::int64_t lo, std::int64_t hi) {
  if (!j.is_object()) throw Error(fmt::format("{}: expected an object", at));
  auto it = j.find(key);
  if (it == j.end()) throw Error(fmt::format("{}.{}: missing field", at, key));
  bool in_range = false;
  std::int64_t v = 0;
  if (it->is_number_unsigned()) {
    const auto u = it->get<std::uint64_t>();
    in_range = u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) &&
               static_cast<std::int64_t>(u) >= lo && static_cast<std::int64_t>(u) <= hi;
    v = static_cast<std::int64_t>(u);
  } else if (it->is_number_integer()) {
    v = it->get<std::int64_t>();
    in_range = v >= lo && v <= hi;
  } else {
    throw Error(fmt::format("{}.{}: expected an integer, got {}", at, key, shown(*it)));
  }
  if (!in_range) {
    throw Error(
        fmt::format("{}.{}: expected an integer in [{}, {}], got {}", at, key, lo, hi, shown(*it)));
  }
  return v;
}

// Reads `key` of object `j` as T (bool, string, floating point or integer); `at` is the path.
// Numbers must be finite; integers must fit T (a value cut to 32 bits would run as a different
// one: port 2^32 as port 0).
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
    throw Error(fmt::format("{}.{}: expected {}, got {}", at, key, expected, shown(*it)));
  }
  if constexpr (std::is_floating_point_v<T>) {
    const T v = it->get<T>();
    if (!std::isfinite(v)) {
      throw Error(fmt::format("{}.{}: expected a finite number, got {}", at, key, shown(*it)));
    }
    return v;
  } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    static_assert(sizeof(T) < sizeof(std::int64_t) || std::is_signed_v<T>,
                  "json_int reads at most the int64 range");
    return static_cast<T>(
        json_int(j, key, at, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
  } else {
    return it->get<T>();
  }
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
