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

  // A burst: packets from one local kernel to one destination kernel, in order, to a local
  // FIFO or to the transport. They move as one hand-off (one lock, one wake-up of the receiving
  // task) rather than one per packet; on a 2-core machine per-packet hand-offs cost two thread
  // switches each and dominated a run. Throws core::Error for an unknown destination, an ID
  // wider than the plan's ID width, or packets that do not share one destination.
  void route(std::vector<Packet> burst, Deadline deadline, std::stop_token stop = {});
  // One packet: a burst of one.
  void route(Packet p, Deadline deadline, std::stop_token stop = {});
  // A packet, or a burst for one kernel, from the network: the destination must be a kernel of
  // this node.
  void deliver(Packet p, Deadline deadline, std::stop_token stop = {});
  void deliver(std::vector<Packet> burst, Deadline deadline, std::stop_token stop = {});

  NetworkTraffic traffic() const;
  void reset_traffic();

 private:
  int node_of(std::uint32_t dest, std::uint32_t src) const;
  // The burst's common destination; throws unless every packet has it.
  std::uint32_t burst_dest(const std::vector<Packet>& burst) const;
  Fifo<Packet>& local_inbox(std::uint32_t dest) const;
  Fifo<Packet>& delivery_inbox(const Packet& p) const;
  void count_received(const Packet& p);

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
