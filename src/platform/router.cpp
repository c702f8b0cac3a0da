#include "platform/router.h"

#include <fmt/format.h>

#include "core/error.h"
#include "platform/gmi_skew.h"

namespace atl::platform {
namespace {

plan::GalapagosAddress address_of(const Packet& p) {
  return {p.cluster, p.dest};
}

}  // namespace

Router::Router(int node, std::string name, RoutingTable table, Transport& transport,
               TrafficCounting counting)
    : node_(node),
      name_(std::move(name)),
      table_(std::move(table)),
      transport_(transport),
      counting_(counting),
      inbox_(table_.node.size()) {
  for (std::size_t c = 0; c < table_.node.size(); ++c) {
    inbox_[c].assign(table_.node[c].size(), nullptr);
  }
}

void Router::attach(plan::GalapagosAddress a, Fifo<Packet>& inbox) {
  if (platform::node_of(table_, a) != node_) {
    throw core::Error(fmt::format("router of node {}: kernel {} is not placed on this node", name_,
                                  to_string(a)));
  }
  if (a.cluster == plan::GalapagosAddress::kHost) {
    if (host_inbox_.size() <= a.id) host_inbox_.resize(std::size_t{a.id} + 1, nullptr);
    host_inbox_[a.id] = &inbox;
  } else {
    inbox_[static_cast<std::size_t>(a.cluster)][a.id] = &inbox;
  }
}

int Router::node_of(const Packet& p) const {
  const int node = p.dest > kMaxKernelId ? -1 : platform::node_of(table_, address_of(p));
  if (node < 0) {
    throw core::Error(fmt::format(
        "router of node {}: packet from kernel {} to unknown destination {} (the routing table "
        "holds {} Galapagos clusters, 8-bit IDs)",
        name_, p.id, to_string(address_of(p)), table_.node.size()));
  }
  return node;
}

int Router::burst_node(const std::vector<Packet>& burst) const {
  for (const Packet& p : burst) {
    if (address_of(p) != address_of(burst.front())) {
      throw core::Error(
          fmt::format("router of node {}: a burst from kernel {} mixes destinations {} and {}",
                      name_, p.id, to_string(address_of(burst.front())), to_string(address_of(p))));
    }
  }
  return node_of(burst.front());
}

Fifo<Packet>& Router::local_inbox(const Packet& p) const {
  Fifo<Packet>* inbox = nullptr;
  if (p.cluster == plan::GalapagosAddress::kHost) {
    if (p.dest < host_inbox_.size()) inbox = host_inbox_[p.dest];
  } else if (p.cluster >= 0 && static_cast<std::size_t>(p.cluster) < inbox_.size()) {
    const auto& ids = inbox_[static_cast<std::size_t>(p.cluster)];
    if (p.dest < ids.size()) inbox = ids[p.dest];
  }
  if (!inbox) {
    throw core::Error(fmt::format(
        "router of node {}: packet from kernel {} for {}, which has no input on this node", name_,
        p.id, to_string(address_of(p))));
  }
  return *inbox;
}

void Router::push_local(std::vector<Packet>&& burst, Deadline deadline,
                        const std::stop_token& stop) {
  if (burst.front().dest == 0) {
    // Kernel 0's PacketDecoder: on to the virtual kernel named in byte 0 (one per burst, which
    // comes from one sender's skew stage).
    const std::string where =
        fmt::format("kernel 0 of {} on node {}", to_string(address_of(burst.front())), name_);
    for (Packet& p : burst) p = gmi_decode(p, where);
    for (const Packet& p : burst) {
      if (p.dest == 0 || p.dest != burst.front().dest) {
        throw core::Error(fmt::format(
            "{}: packet from kernel {} names virtual kernel {} in byte 0{}", where, p.id, p.dest,
            p.dest == 0 ? " (kernel 0 is the GMI node itself)"
                        : fmt::format(", the burst's first named {}", burst.front().dest)));
      }
    }
  }
  local_inbox(burst.front()).push_all(std::move(burst), deadline, stop);
}

void Router::route(Packet p, Deadline deadline, const std::stop_token& stop) {
  route(std::vector<Packet>{std::move(p)}, deadline, stop);
}

void Router::route(std::vector<Packet>&& burst, Deadline deadline, const std::stop_token& stop) {
  if (burst.empty()) return;
  const int node = burst_node(burst);
  if (node == node_) {
    push_local(std::move(burst), deadline, stop);
    return;
  }
  count(burst, packets_sent_, bytes_sent_);
  transport_.send_burst(node, std::move(burst), deadline, stop);
}

void Router::count(const std::vector<Packet>& burst, std::atomic<std::int64_t>& packets,
                   std::atomic<std::int64_t>& bytes) const {
  if (counting_ == TrafficCounting::off) return;
  std::int64_t n = 0;
  for (const Packet& p : burst) n += static_cast<std::int64_t>(kFlitBytes + p.data.size());
  packets.fetch_add(static_cast<std::int64_t>(burst.size()), std::memory_order_relaxed);
  bytes.fetch_add(n, std::memory_order_relaxed);
}

void Router::deliver(Packet p, Deadline deadline, const std::stop_token& stop) {
  deliver(std::vector<Packet>{std::move(p)}, deadline, stop);
}

void Router::deliver(std::vector<Packet>&& burst, Deadline deadline, const std::stop_token& stop) {
  if (burst.empty()) return;
  if (const int node = burst_node(burst); node != node_) {
    throw core::Error(fmt::format(
        "router of node {}: packet from kernel {} for {} arrived here, but that kernel lives on "
        "node index {}",
        name_, burst.front().id, to_string(address_of(burst.front())), node));
  }
  count(burst, packets_received_, bytes_received_);
  push_local(std::move(burst), deadline, stop);
}

NetworkTraffic Router::traffic() const {
  return {packets_sent_.load(), bytes_sent_.load(), packets_received_.load(),
          bytes_received_.load()};
}

void Router::reset_traffic() {
  packets_sent_ = 0;
  bytes_sent_ = 0;
  packets_received_ = 0;
  bytes_received_ = 0;
}

}  // namespace atl::platform
