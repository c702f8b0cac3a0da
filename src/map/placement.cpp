#include "map/placement.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <string_view>

#include "core/error.h"
#include "core/file.h"

namespace atl::map {

bool matches(const std::string& pattern, const std::string& name) {
  // Iterative glob with backtracking to the last '*': linear in practice for kernel names.
  std::size_t p = 0, s = 0, star = std::string::npos, mark = 0;
  while (s < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = s;
    } else if (p < pattern.size() && pattern[p] == name[s]) {
      ++p;
      ++s;
    } else if (star != std::string::npos) {
      p = star + 1;
      s = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

void place_endpoints(const graph::Graph& graph, std::vector<int>& node_of_kernel) {
  for (const graph::Stream& s : graph.streams) {
    const graph::Kernel& producer = graph.kernels[s.producer];
    const graph::Kernel& consumer = graph.kernels[s.consumer];
    if (graph::is_source(producer.role) && node_of_kernel[s.producer] < 0) {
      node_of_kernel[s.producer] = node_of_kernel[s.consumer];
    }
    if (graph::is_sink(consumer.role) && node_of_kernel[s.consumer] < 0) {
      node_of_kernel[s.consumer] = node_of_kernel[s.producer];
    }
  }
}

std::vector<int> parse_placement(const std::string& text, const std::string& where,
                                 const graph::Graph& graph, const hw::Cluster& cluster) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw core::Error(fmt::format("{}: invalid YAML/JSON: {}", where, e.what()));
  }
  const YAML::Node by_node = root.IsMap() ? root["placement"] : YAML::Node();
  const YAML::Node by_kernel = root.IsMap() ? root["kernels"] : YAML::Node();
  if ((!by_node && !by_kernel) || (by_node && !by_node.IsMap()) ||
      (by_kernel && !by_kernel.IsMap())) {
    throw core::Error(
        fmt::format("{}: expected a map 'placement' of node name -> kernel list "
                    "and/or a map 'kernels' of kernel name -> node name",
                    where));
  }
  std::map<std::string, int> node_index;
  std::string known;
  for (std::size_t i = 0; i < cluster.nodes.size(); ++i) {
    node_index[cluster.nodes[i].name] = static_cast<int>(i);
    known += (i ? ", " : "") + cluster.nodes[i].name;
  }

  std::vector<int> node_of(graph.kernels.size(), -1);
  // The index of node `name`; `at` names the entry in errors.
  auto node_at = [&](const std::string& name, const std::string& at) {
    auto it = node_index.find(name);
    if (it == node_index.end()) {
      throw core::Error(fmt::format("{}: {}: unknown node '{}' (cluster '{}' has {})", where, at,
                                    name, cluster.name, known));
    }
    return it->second;
  };
  // Places every kernel matching `pattern` on node `node`.
  auto place = [&](const std::string& pattern, int node, const std::string& at) {
    bool any = false;
    for (std::size_t k = 0; k < graph.kernels.size(); ++k) {
      if (!matches(pattern, graph.kernels[k].name)) continue;
      any = true;
      if (node_of[k] >= 0) {
        throw core::Error(fmt::format("{}: {}: kernel '{}' is already placed on node '{}'", where,
                                      at, graph.kernels[k].name, cluster.nodes[node_of[k]].name));
      }
      node_of[k] = node;
    }
    if (!any) {
      throw core::Error(fmt::format("{}: {}: unknown kernel '{}' (no kernel of graph '{}' matches)",
                                    where, at, pattern, graph.model));
    }
  };

  // A map key as text: a list or mapping as a key is an error, not a node or kernel name.
  auto key_of = [&](const YAML::Node& key, const char* map) {
    if (!key.IsScalar()) {
      throw core::Error(fmt::format("{}: {}: expected {} names as keys, got a list or mapping",
                                    where, map,
                                    std::string_view(map) == "placement" ? "node" : "kernel"));
    }
    return key.Scalar();
  };
  if (by_node) {
    for (const auto& entry : by_node) {
      const std::string node = key_of(entry.first, "placement");
      const std::string at = "placement." + node;
      const int index = node_at(node, at);
      const YAML::Node& list = entry.second;
      if (!list.IsSequence()) {
        throw core::Error(fmt::format("{}: {}: expected a list of kernel names", where, at));
      }
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string item = fmt::format("{}[{}]", at, i);
        if (!list[i].IsScalar()) {
          throw core::Error(fmt::format("{}: {}: expected a kernel name", where, item));
        }
        place(list[i].Scalar(), index, item);
      }
    }
  }
  if (by_kernel) {
    for (const auto& entry : by_kernel) {
      const std::string pattern = key_of(entry.first, "kernels");
      const std::string at = "kernels." + pattern;
      if (!entry.second.IsScalar()) {
        throw core::Error(fmt::format("{}: {}: expected a node name", where, at));
      }
      place(pattern, node_at(entry.second.Scalar(), at), at);
    }
  }
  place_endpoints(graph, node_of);

  std::vector<std::string> missing;
  for (std::size_t k = 0; k < graph.kernels.size(); ++k) {
    if (node_of[k] < 0) missing.push_back(graph.kernels[k].name);
  }
  if (!missing.empty()) {
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 8; ++i) list += (i ? ", " : "") + missing[i];
    if (missing.size() > 8) list += fmt::format(", ... ({} in all)", missing.size());
    throw core::Error(fmt::format("{}: kernels not placed on any node: {}", where, list));
  }
  return node_of;
}

std::vector<int> load_placement(const std::filesystem::path& path, const graph::Graph& graph,
                                const hw::Cluster& cluster) {
  return parse_placement(core::read_text_file(path, "placement file"), path.string(), graph,
                         cluster);
}

}  // namespace atl::map
