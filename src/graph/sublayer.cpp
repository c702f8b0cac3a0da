#include "graph/sublayer.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "core/error.h"
#include "graph/architecture.h"

namespace atl::graph {
namespace {

constexpr std::array<std::pair<Sublayer, const char*>, 8> kNames{{
    {Sublayer::attention_0, "attention_0"},
    {Sublayer::attention_1, "attention_1"},
    {Sublayer::attention_2, "attention_2"},
    {Sublayer::attention_output_0, "attention_output_0"},
    {Sublayer::attention_output_1, "attention_output_1"},
    {Sublayer::intermediate_0, "intermediate_0"},
    {Sublayer::intermediate_output_0, "intermediate_output_0"},
    {Sublayer::intermediate_output_1, "intermediate_output_1"},
}};

}  // namespace

const std::vector<Sublayer>& all_sublayers() {
  static const std::vector<Sublayer> all = [] {
    std::vector<Sublayer> v;
    for (const auto& [s, name] : kNames) v.push_back(s);
    return v;
  }();
  return all;
}

std::string to_string(Sublayer s) {
  for (const auto& [v, name] : kNames) {
    if (v == s) return name;
  }
  return "?";
}

Sublayer sublayer_from_string(const std::string& s, const std::string& where) {
  std::string known;
  for (const auto& [v, name] : kNames) {
    if (s == name) return v;
    known += known.empty() ? name : std::string(", ") + name;
  }
  throw core::Error(
      fmt::format("{}: unknown sub-layer '{}' (expected one of: {})", where, s, known));
}

Sublayer sublayer_of(Role role) {
  const int group =
      role.architecture == model::Architecture::ibert_encoder ? role_info(role).group : -1;
  if (group < 0) {
    throw core::Error(core::ErrorKind::internal,
                      fmt::format("role '{}' belongs to no sub-layer", to_string(role)));
  }
  return static_cast<Sublayer>(group);
}

Grouping single_cluster_grouping() {
  return {all_sublayers()};
}

void validate(const Grouping& grouping, const std::string& where) {
  if (grouping.empty()) throw core::Error(fmt::format("{}: no cluster groups", where));
  std::array<int, kNames.size()> seen{};
  for (std::size_t g = 0; g < grouping.size(); ++g) {
    if (grouping[g].empty())
      throw core::Error(fmt::format("{}[{}]: empty cluster group", where, g));
    for (Sublayer s : grouping[g]) {
      if (seen[static_cast<std::size_t>(s)]++ > 0) {
        throw core::Error(fmt::format("{}[{}]: sub-layer '{}' is in more than one group", where, g,
                                      to_string(s)));
      }
    }
  }
  for (const auto& [s, name] : kNames) {
    if (seen[static_cast<std::size_t>(s)] == 0) {
      throw core::Error(fmt::format(
          "{}: sub-layer '{}' is in no group (the groups must hold all eight sub-layers once)",
          where, name));
    }
  }
}

}  // namespace atl::graph
