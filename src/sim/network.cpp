#include "sim/network.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <optional>

#include "core/error.h"
#include "sim/picos.h"

namespace atl::sim {
namespace {

// Adds a link and returns its index.
int add_link(Network& net, std::string name, Picos latency, double ps_per_byte) {
  net.links.push_back({std::move(name), latency, ps_per_byte});
  return static_cast<int>(net.links.size()) - 1;
}

// Breadth-first search of a direct topology from `root`: per node the node it is reached from
// (-1: unreachable) and the link it is reached by. Gives the fewest-links routes.
struct Tree {
  std::vector<int> prev, via;
};

Tree breadth_first(const Network& net, int root) {
  Tree t{std::vector<int>(net.nodes, -1), std::vector<int>(net.nodes, -1)};
  std::deque<int> frontier{root};
  t.prev[root] = root;
  while (!frontier.empty()) {
    const int u = frontier.front();
    frontier.pop_front();
    for (auto [v, link] : net.adjacency[u]) {
      if (t.prev[v] != -1) continue;
      t.prev[v] = u;
      t.via[v] = link;
      frontier.push_back(v);
    }
  }
  return t;
}

}  // namespace

Network build_network(const hw::Cluster& cluster) {
  const hw::Network& cfg = cluster.network;
  if (!(cfg.link_gbps > 0) || !std::isfinite(cfg.link_gbps)) {
    throw core::Error(
        fmt::format("cluster '{}': network.link_gbps must be a positive bandwidth, got {}",
                    cluster.name, cfg.link_gbps));
  }
  if (!(cfg.hop_latency_ns >= 0) || !std::isfinite(cfg.hop_latency_ns)) {
    throw core::Error(fmt::format("cluster '{}': network.hop_latency_ns must be >= 0, got {}",
                                  cluster.name, cfg.hop_latency_ns));
  }
  const int n = static_cast<int>(cluster.nodes.size());
  const double ps_per_byte = 8000.0 / cfg.link_gbps;
  const std::optional<Picos> hop = to_picos(cfg.hop_latency_ns * 1000.0);
  if (!hop) {
    throw core::Error(core::ErrorKind::does_not_fit,
                      fmt::format("cluster '{}': network.hop_latency_ns = {} is over the "
                                  "simulator's limit of 2^62 ps (53 days)",
                                  cluster.name, cfg.hop_latency_ns));
  }
  auto node = [&](int i) { return cluster.nodes[i].name; };

  Network net;
  net.nodes = n;
  net.topology = cfg.topology;
  switch (cfg.topology) {
    case hw::Topology::switched:
      // Link 2i: node i -> switch (its uplink), 2i + 1: switch -> node i (its output port).
      for (int i = 0; i < n; ++i) {
        add_link(net, node(i) + "->switch", *hop, ps_per_byte);
        add_link(net, "switch->" + node(i), 0, ps_per_byte);
      }
      break;
    case hw::Topology::ring:
      // Link 2i: node i -> i+1 (clockwise), 2i + 1: node i -> i-1.
      for (int i = 0; i < n; ++i) {
        add_link(net, node(i) + "->" + node((i + 1) % n), *hop, ps_per_byte);
        add_link(net, node(i) + "->" + node((i + n - 1) % n), *hop, ps_per_byte);
      }
      break;
    case hw::Topology::direct: {
      net.adjacency.assign(n, {});
      for (std::size_t l = 0; l < cfg.links.size(); ++l) {
        auto [a, b] = cfg.links[l];
        if (a < 0 || a >= n || b < 0 || b >= n || a == b) {
          throw core::Error(fmt::format(
              "cluster '{}': network.links[{}] = ({}, {}) must join two different nodes in "
              "0..{}",
              cluster.name, l, a, b, n - 1));
        }
        net.adjacency[a].push_back({b, add_link(net, node(a) + "->" + node(b), *hop, ps_per_byte)});
        net.adjacency[b].push_back({a, add_link(net, node(b) + "->" + node(a), *hop, ps_per_byte)});
      }
      // Links go both ways, so every node is reachable from every other one iff from node 0.
      if (n > 0) {
        const std::vector<int> prev = breadth_first(net, 0).prev;
        for (int b = 0; b < n; ++b) {
          if (prev[b] == -1) {
            throw core::Error(fmt::format(
                "cluster '{}': network.links leave node {} unreachable from node {} (direct "
                "topology)",
                cluster.name, node(b), node(0)));
          }
        }
      }
      break;
    }
  }
  return net;
}

std::vector<int> Network::route(int a, int b) const {
  std::vector<int> r;
  if (a == b) return r;
  switch (topology) {
    case hw::Topology::switched:
      r = {2 * a, 2 * b + 1};
      break;
    case hw::Topology::ring: {
      const int forward = (b - a + nodes) % nodes;
      // Ties go clockwise, so the choice is deterministic.
      if (forward <= nodes - forward) {
        for (int i = a; i != b; i = (i + 1) % nodes) r.push_back(2 * i);
      } else {
        for (int i = a; i != b; i = (i + nodes - 1) % nodes) r.push_back(2 * i + 1);
      }
      break;
    }
    case hw::Topology::direct: {
      const Tree tree = breadth_first(*this, a);
      for (int v = b; v != a; v = tree.prev[v]) r.push_back(tree.via[v]);
      std::reverse(r.begin(), r.end());
      break;
    }
  }
  return r;
}

}  // namespace atl::sim
