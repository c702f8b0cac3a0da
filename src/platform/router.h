// The Galapagos router (reference-system.md §1.3) of one node: a table maps every kernel ID to
// the node that holds it; packets for a local kernel go into that kernel's input FIFO (the
// on-chip AXIS switch, which routes on TDEST), all others to the transport (the network bridge).
// Routing is per packet and stores nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "platform/fifo.h"
#include "platform/flit.h"
#include "platform/packet.h"
#include "platform/transport.h"

namespace atl::platform {

// Packets and bytes that crossed the network at one node (bridge header included).
struct NetworkTraffic {
  std::int64_t packets_sent = 0, bytes_sent = 0;
  std::int64_t packets_received = 0, bytes_received = 0;
};

class Router {
 public:
  // `node_of_id[id]`: the node holding kernel `id` (-1 for none); `name` names the node in errors.
  Router(int node, std::string name, std::vector<int> node_of_id, IdWidth width,
         Transport& transport);
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  int node() const { return node_; }
  const std::string& name() const { return name_; }

  // Connects local kernel `id` to its input FIFO; throws unless the table places `id` here.
  void attach(std::uint32_t id, Fifo<Packet>& inbox);

  // A packet from a local kernel: to a local FIFO or to the transport. Throws core::Error for
  // an unknown destination or an ID wider than the plan's ID width.
  void route(Packet p, Deadline deadline, std::stop_token stop = {});
  // A packet from the network: its destination must be a kernel of this node.
  void deliver(Packet p, Deadline deadline, std::stop_token stop = {});

  NetworkTraffic traffic() const;

 private:
  int node_of(std::uint32_t dest, std::uint32_t src) const;

  int node_;
  std::string name_;
  std::vector<int> node_of_id_;
  IdWidth width_;
  Transport& transport_;
  std::vector<Fifo<Packet>*> inbox_;  // by kernel ID; null for kernels elsewhere
  std::atomic<std::int64_t> packets_sent_{0}, bytes_sent_{0}, packets_received_{0},
      bytes_received_{0};
};

}  // namespace atl::platform
