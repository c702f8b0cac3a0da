#include "platform/router.h"

#include <fmt/format.h>

#include "core/error.h"

namespace atl::platform {

Router::Router(int node, std::string name, std::vector<int> node_of_id, IdWidth width,
               Transport& transport)
    : node_(node),
      name_(std::move(name)),
      node_of_id_(std::move(node_of_id)),
      width_(width),
      transport_(transport),
      inbox_(node_of_id_.size(), nullptr) {}

void Router::attach(std::uint32_t id, Fifo<Packet>& inbox) {
  if (id >= node_of_id_.size() || node_of_id_[id] != node_) {
    throw core::Error(
        fmt::format("router of node {}: kernel {} is not placed on this node", name_, id));
  }
  inbox_[id] = &inbox;
}

int Router::node_of(std::uint32_t dest, std::uint32_t src) const {
  if (dest > max_kernel_id(width_) || dest >= node_of_id_.size() || node_of_id_[dest] < 0) {
    throw core::Error(fmt::format(
        "router of node {}: packet from kernel {} to unknown destination kernel {} (the routing "
        "table holds IDs 1..{}, {} IDs)",
        name_, src, dest, node_of_id_.empty() ? 0 : node_of_id_.size() - 1, to_string(width_)));
  }
  return node_of_id_[dest];
}

std::uint32_t Router::burst_dest(const std::vector<Packet>& burst) const {
  for (const Packet& p : burst) {
    if (p.dest != burst.front().dest) {
      throw core::Error(
          fmt::format("router of node {}: a burst from kernel {} mixes destinations {} and {}",
                      name_, p.id, burst.front().dest, p.dest));
    }
  }
  return burst.front().dest;
}

Fifo<Packet>& Router::local_inbox(std::uint32_t dest) const {
  if (!inbox_[dest]) {
    throw core::Error(
        fmt::format("router of node {}: kernel {} has no input attached", name_, dest));
  }
  return *inbox_[dest];
}

void Router::route(Packet p, Deadline deadline, std::stop_token stop) {
  route(std::vector<Packet>{std::move(p)}, deadline, stop);
}

void Router::route(std::vector<Packet> burst, Deadline deadline, std::stop_token stop) {
  if (burst.empty()) return;
  const std::uint32_t dest = burst_dest(burst);
  const int node = node_of(dest, burst.front().id);
  if (node == node_) {
    local_inbox(dest).push_all(std::move(burst), deadline, stop);
    return;
  }
  std::int64_t bytes = 0;
  for (const Packet& p : burst) bytes += static_cast<std::int64_t>(kFlitBytes + p.data.size());
  packets_sent_.fetch_add(static_cast<std::int64_t>(burst.size()), std::memory_order_relaxed);
  bytes_sent_.fetch_add(bytes, std::memory_order_relaxed);
  transport_.send_burst(node, std::move(burst), deadline, stop);
}

Fifo<Packet>& Router::delivery_inbox(const Packet& p) const {
  const int node = node_of(p.dest, p.id);
  if (node != node_ || !inbox_[p.dest]) {
    throw core::Error(fmt::format(
        "router of node {}: packet from kernel {} for kernel {} arrived here, but that kernel "
        "lives on node index {}",
        name_, p.id, p.dest, node));
  }
  return *inbox_[p.dest];
}

void Router::count_received(const Packet& p) {
  packets_received_.fetch_add(1, std::memory_order_relaxed);
  bytes_received_.fetch_add(static_cast<std::int64_t>(kFlitBytes + p.data.size()),
                            std::memory_order_relaxed);
}

void Router::deliver(Packet p, Deadline deadline, std::stop_token stop) {
  Fifo<Packet>& inbox = delivery_inbox(p);
  count_received(p);
  inbox.push(std::move(p), deadline, stop);
}

void Router::deliver(std::vector<Packet> burst, Deadline deadline, std::stop_token stop) {
  if (burst.empty()) return;
  burst_dest(burst);
  Fifo<Packet>& inbox = delivery_inbox(burst.front());
  for (const Packet& p : burst) count_received(p);
  inbox.push_all(std::move(burst), deadline, stop);
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
