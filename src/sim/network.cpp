#include "sim/network.h"

#include <fmt/format.h>

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
  net.routes.assign(static_cast<std::size_t>(n) * n, {});

  switch (cfg.topology) {
    case hw::Topology::switched: {
      std::vector<int> up(n), down(n);
      for (int i = 0; i < n; ++i) {
        up[i] = add_link(net, node(i) + "->switch", *hop, ps_per_byte);
        down[i] = add_link(net, "switch->" + node(i), 0, ps_per_byte);
      }
      for (int a = 0; a < n; ++a) {
        for (int b = 0; b < n; ++b) {
          if (a != b) net.routes[a * n + b] = {up[a], down[b]};
        }
      }
      break;
    }
    case hw::Topology::ring: {
      std::vector<int> cw(n), ccw(n);  // cw[i]: i -> i+1, ccw[i]: i -> i-1
      for (int i = 0; i < n; ++i) {
        cw[i] = add_link(net, node(i) + "->" + node((i + 1) % n), *hop, ps_per_byte);
        ccw[i] = add_link(net, node(i) + "->" + node((i + n - 1) % n), *hop, ps_per_byte);
      }
      for (int a = 0; a < n; ++a) {
        for (int b = 0; b < n; ++b) {
          int forward = (b - a + n) % n;
          auto& r = net.routes[a * n + b];
          // Ties go clockwise, so the choice is deterministic.
          if (forward <= n - forward) {
            for (int i = a; i != b; i = (i + 1) % n) r.push_back(cw[i]);
          } else {
            for (int i = a; i != b; i = (i + n - 1) % n) r.push_back(ccw[i]);
          }
        }
      }
      break;
    }
    case hw::Topology::direct: {
      // adjacency[a]: (neighbour, link a -> neighbour), in the order the cluster lists links.
      std::vector<std::vector<std::pair<int, int>>> adjacency(n);
      for (std::size_t l = 0; l < cfg.links.size(); ++l) {
        auto [a, b] = cfg.links[l];
        if (a < 0 || a >= n || b < 0 || b >= n || a == b) {
          throw core::Error(fmt::format(
              "cluster '{}': network.links[{}] = ({}, {}) must join two different nodes in "
              "0..{}",
              cluster.name, l, a, b, n - 1));
        }
        adjacency[a].push_back({b, add_link(net, node(a) + "->" + node(b), *hop, ps_per_byte)});
        adjacency[b].push_back({a, add_link(net, node(b) + "->" + node(a), *hop, ps_per_byte)});
      }
      // Breadth-first search from every node gives the fewest-links route.
      for (int a = 0; a < n; ++a) {
        std::vector<int> via(n, -1), prev(n, -1);
        std::deque<int> frontier{a};
        prev[a] = a;
        while (!frontier.empty()) {
          int u = frontier.front();
          frontier.pop_front();
          for (auto [v, link] : adjacency[u]) {
            if (prev[v] != -1) continue;
            prev[v] = u;
            via[v] = link;
            frontier.push_back(v);
          }
        }
        for (int b = 0; b < n; ++b) {
          if (prev[b] == -1) {
            throw core::Error(fmt::format(
                "cluster '{}': network.links leave node {} unreachable from node {} (direct "
                "topology)",
                cluster.name, node(b), node(a)));
          }
          auto& r = net.routes[a * n + b];
          for (int v = b; v != a; v = prev[v]) r.insert(r.begin(), via[v]);
        }
      }
      break;
    }
  }
  return net;
}

}  // namespace atl::sim
