#include "hw/cluster.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <deque>
#include <map>
#include <set>

#include "core/error.h"
#include "core/file.h"
#include "hw/yaml_fields.h"

namespace atl::hw {
namespace {

void reject_unknown(const YAML::Node& map, std::initializer_list<const char*> known,
                    const std::string& at) {
  for (const auto& kv : map) {
    const std::string key = kv.first.Scalar();
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
      std::string list;
      for (const char* k : known) list += list.empty() ? k : std::string(", ") + k;
      throw core::Error(fmt::format("{}: unknown field '{}' (expected {})", at, key, list));
    }
  }
}

const Device& board(const Catalogue& catalogue, const std::string& name, const std::string& at) {
  auto it = catalogue.find(name);
  if (it != catalogue.end()) return it->second;
  std::string known;
  for (const auto& [key, _] : catalogue) known += known.empty() ? key : ", " + key;
  throw core::Error(fmt::format("{}: unknown board '{}' (known boards: {})", at, name, known));
}

// "6 x sidewinder-100" -> {6, "sidewinder-100"}; anything else is an error.
std::pair<int, std::string> parse_count(const std::string& s, const std::string& at) {
  const auto x = s.find(" x ");
  std::int64_t n = 0;
  if (x != std::string::npos) {
    const std::string digits = s.substr(0, x);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    std::string board = s.substr(x + 3);
    board.erase(0, board.find_first_not_of(' '));
    if (ec == std::errc() && end == digits.data() + digits.size() && !board.empty()) {
      validate_node_count(n, at);
      return {static_cast<int>(n), board};
    }
  }
  throw core::Error(
      fmt::format("{}: expected \"<count> x <board>\" or {{name, board}}, got '{}'", at, s));
}

Topology topology_of(const std::string& s, const std::string& at) {
  if (s == "switch") return Topology::switched;
  if (s == "ring") return Topology::ring;
  if (s == "direct") return Topology::direct;
  throw core::Error(fmt::format("{}: expected switch, ring or direct, got '{}'", at, s));
}

int node_ref(const YAML::Node& node, const std::map<std::string, int>& index, int count,
             const std::string& at) {
  const std::string s = node.IsScalar() ? node.Scalar() : "";
  if (auto it = index.find(s); it != index.end()) return it->second;
  int i = -1;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ec == std::errc() && end == s.data() + s.size() && i >= 0 && i < count) return i;
  throw core::Error(
      fmt::format("{}: '{}' is neither a node name nor an index 0..{}", at, s, count - 1));
}

// Fewest hops from `from` to every node (-1 where unreachable), over the direct links.
std::vector<int> direct_hops_from(const Cluster& c, int from) {
  const int n = static_cast<int>(c.nodes.size());
  std::vector<std::vector<int>> adjacent(n);
  for (auto [a, b] : c.network.links) {
    adjacent[a].push_back(b);
    adjacent[b].push_back(a);
  }
  std::vector<int> dist(n, -1);
  std::deque<int> queue{from};
  dist[from] = 0;
  while (!queue.empty()) {
    const int u = queue.front();
    queue.pop_front();
    for (int v : adjacent[u]) {
      if (dist[v] < 0) {
        dist[v] = dist[u] + 1;
        queue.push_back(v);
      }
    }
  }
  return dist;
}

// A sourced whole number of bytes in [0, kMaxMtuBytes].
int bytes_figure(const YAML::Node& map, const std::string& field, const std::string& at) {
  const double v = sourced_number(map, field, at);
  if (!(v >= 0 && v <= kMaxMtuBytes) || v != static_cast<int>(v)) {
    throw core::Error(
        fmt::format("{}.{}.value: expected a whole number of bytes in [0, {}], got {}", at, field,
                    kMaxMtuBytes, v));
  }
  return static_cast<int>(v);
}

}  // namespace

NetworkDefaults load_network_defaults(const std::filesystem::path& path) {
  const std::string file = path.string();
  const YAML::Node root = load_yaml_map(path, "network constants");
  auto section = [&](const char* name) {
    const YAML::Node node = root[name];
    if (!node || !node.IsMap())
      throw core::Error(fmt::format("{}.{}: missing mapping", file, name));
    return node;
  };
  NetworkDefaults d;
  const std::string md = file + ".model_defaults";
  d.switched_hop_ns = sourced_number(section("model_defaults"), "switched_hop_alpha_ns", md);
  d.direct_hop_ns = sourced_number(section("model_defaults"), "direct_aurora_hop_alpha_ns", md);
  d.mtu_bytes = bytes_figure(section("mtu"), "default_bytes", file + ".mtu");
  d.frame_overhead_bytes = bytes_figure(root, "frame_overhead_bytes", file);
  return d;
}

void validate_node_count(std::int64_t count, const std::string& what) {
  if (count < 1 || count > kMaxNodes) {
    throw core::Error(fmt::format("{}: expected 1 to {} FPGAs, got {}", what, kMaxNodes, count));
  }
}

Cluster load_cluster(const std::filesystem::path& path, const Catalogue& catalogue) {
  return load_cluster(path, catalogue, load_network_defaults(default_data_dir() / "network.yaml"));
}

Cluster load_cluster(const std::filesystem::path& path, const Catalogue& catalogue,
                     const NetworkDefaults& defaults) {
  return parse_cluster(core::read_text_file(path, "cluster description"), path.string(), catalogue,
                       defaults);
}

Cluster parse_cluster(const std::string& text, const std::string& file, const Catalogue& catalogue,
                      const NetworkDefaults& defaults) {
  const YAML::Node root = parse_yaml_map(text, file, "cluster description");
  reject_unknown(root, {"name", "description", "nodes", "network"}, file);
  Cluster c;
  c.name = text_field(root, "name", file);

  const YAML::Node nodes = root["nodes"];
  if (!nodes || !nodes.IsSequence() || nodes.size() == 0) {
    throw core::Error(fmt::format("{}.nodes: expected a non-empty list", file));
  }
  std::map<std::string, int> index;
  auto add = [&](std::string name, const Device& d, const std::string& at) {
    if (c.nodes.size() == kMaxNodes) {
      throw core::Error(fmt::format("{}: more than {} FPGAs in the cluster", at, kMaxNodes));
    }
    if (!index.emplace(name, static_cast<int>(c.nodes.size())).second) {
      throw core::Error(fmt::format("{}: duplicate node name '{}'", at, name));
    }
    c.nodes.push_back({std::move(name), d});
  };
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const std::string at = fmt::format("{}.nodes[{}]", file, i);
    if (nodes[i].IsScalar()) {
      // "N x board" names its nodes fpga<k> by position in the whole list.
      const auto [n, name] = parse_count(nodes[i].Scalar(), at);
      const Device& d = board(catalogue, name, at);
      for (int k = 0; k < n; ++k) add(fmt::format("fpga{}", c.nodes.size()), d, at);
    } else if (nodes[i].IsMap()) {
      reject_unknown(nodes[i], {"name", "board"}, at);
      add(text_field(nodes[i], "name", at),
          board(catalogue, text_field(nodes[i], "board", at), at + ".board"), at);
    } else {
      throw core::Error(fmt::format("{}: expected \"<count> x <board>\" or {{name, board}}", at));
    }
  }

  const YAML::Node net = root["network"];
  const std::string nat = file + ".network";
  if (!net || !net.IsMap()) throw core::Error(fmt::format("{}: missing mapping", nat));
  reject_unknown(net, {"topology", "link_gbps", "hop_latency_ns", "mtu", "links"}, nat);
  Network& n = c.network;
  n.topology = topology_of(text_field(net, "topology", nat), nat + ".topology");
  n.hop_latency_ns =
      n.topology == Topology::switched ? defaults.switched_hop_ns : defaults.direct_hop_ns;
  n.mtu_bytes = defaults.mtu_bytes;
  n.frame_overhead_bytes = defaults.frame_overhead_bytes;
  n.link_gbps = number_field(net, "link_gbps", nat);
  if (n.link_gbps <= 0)
    throw core::Error(fmt::format("{}.link_gbps: must be positive, got {}", nat, n.link_gbps));
  if (net["hop_latency_ns"]) n.hop_latency_ns = number_field(net, "hop_latency_ns", nat);
  if (n.hop_latency_ns < 0) {
    throw core::Error(
        fmt::format("{}.hop_latency_ns: must be >= 0, got {}", nat, n.hop_latency_ns));
  }
  if (net["mtu"]) n.mtu_bytes = static_cast<int>(integer_field(net, "mtu", nat, 0, kMaxMtuBytes));
  // A packet must carry the bridge header flit and at least one payload flit.
  if (n.mtu_bytes < 128)
    throw core::Error(fmt::format("{}.mtu: must be >= 128 bytes, got {}", nat, n.mtu_bytes));

  const int count = static_cast<int>(c.nodes.size());
  n.links.clear();
  if (const YAML::Node links = net["links"]) {
    if (n.topology != Topology::direct) {
      throw core::Error(fmt::format("{}.links: only a direct topology lists links", nat));
    }
    if (!links.IsSequence())
      throw core::Error(fmt::format("{}.links: expected a list of [a, b] pairs", nat));
    std::set<std::pair<int, int>> seen;
    for (std::size_t i = 0; i < links.size(); ++i) {
      const std::string at = fmt::format("{}.links[{}]", nat, i);
      if (!links[i].IsSequence() || links[i].size() != 2) {
        throw core::Error(fmt::format("{}: expected a pair [a, b] of node names or indices", at));
      }
      int a = node_ref(links[i][0], index, count, at), b = node_ref(links[i][1], index, count, at);
      if (a == b) throw core::Error(fmt::format("{}: a link joins two different nodes", at));
      if (a > b) std::swap(a, b);
      if (!seen.insert({a, b}).second) throw core::Error(fmt::format("{}: duplicate link", at));
      n.links.emplace_back(a, b);
    }
  }
  if (n.topology == Topology::direct && count > 1) {
    const std::vector<int> dist = direct_hops_from(c, 0);
    for (int i = 0; i < count; ++i) {
      if (dist[i] < 0) {
        throw core::Error(fmt::format("{}.links: node '{}' is not reachable from '{}'", nat,
                                      c.nodes[i].name, c.nodes[0].name));
      }
    }
  }
  return c;
}

int hops(const Cluster& c, int a, int b) {
  const int n = static_cast<int>(c.nodes.size());
  if (a < 0 || a >= n || b < 0 || b >= n) {
    throw core::Error(
        fmt::format("cluster '{}': node index {} or {} out of range 0..{}", c.name, a, b, n - 1));
  }
  if (a == b) return 0;
  switch (c.network.topology) {
    case Topology::switched:
      return 1;
    case Topology::ring: {
      const int d = std::abs(a - b);
      return std::min(d, n - d);
    }
    case Topology::direct: {
      const int d = direct_hops_from(c, a)[b];
      if (d < 0)
        throw core::Error(fmt::format("cluster '{}': no path from '{}' to '{}'", c.name,
                                      c.nodes[a].name, c.nodes[b].name));
      return d;
    }
  }
  return 1;
}

}  // namespace atl::hw
