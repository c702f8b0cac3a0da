// The Galapagos router (reference-system.md §1.3) of one node: a table maps every kernel
// (Galapagos cluster, ID) to the node that holds it; packets for a local kernel go into that
// kernel's input FIFO (the on-chip AXIS switch, which routes on TDEST), all others to the
// transport (the network bridge). A packet for kernel 0 of a cluster passes kernel 0's
// PacketDecoder on the way in (gmi_skew.h): it reaches the virtual kernel its byte 0 names.
// Routing is per packet and stores nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "platform/fifo.h"
#include "platform/flit.h"
#include "platform/packet.h"
#include "platform/routing.h"
#include "platform/transport.h"

namespace atl::platform {

// Packets and bytes that crossed the network at one node (bridge header included).
struct NetworkTraffic {
  std::int64_t packets_sent = 0, bytes_sent = 0;
  std::int64_t packets_received = 0, bytes_received = 0;
};

// Whether a router counts what crosses the network (traffic()): two atomic additions per burst
// sent and per burst received, which a run that reports no traffic need not pay (a decoder step
// of a tensor-parallel plan hands over hundreds of one-packet bursts).
enum class TrafficCounting { on, off };

class Router {
 public:
  // `table`: the node of every kernel; `name` names the node in errors.
  Router(int node, std::string name, RoutingTable table, Transport& transport,
         TrafficCounting counting = TrafficCounting::on);
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  int node() const { return node_; }
  const std::string& name() const { return name_; }

  // Connects local kernel `a` to its input FIFO; throws unless the table places `a` here.
  void attach(plan::GalapagosAddress a, Fifo<Packet>& inbox);

  // A burst: packets from one local kernel to one destination kernel, in order, to a local
  // FIFO or to the transport. They move as one hand-off (one lock, one wake-up of the receiving
  // task) rather than one per packet; on a 2-core machine per-packet hand-offs cost two thread
  // switches each and dominated a run. Throws core::Error for an unknown destination (an ID
  // wider than 8 bits is one) or packets that do not share one destination. The packets are
  // moved out of `burst` (its storage stays with the caller, to fill again).
  void route(std::vector<Packet>&& burst, Deadline deadline, const std::stop_token& stop = {});
  // One packet: a burst of one.
  void route(Packet p, Deadline deadline, const std::stop_token& stop = {});
  // A packet, or a burst for one kernel, from the network: the destination must be a kernel of
  // this node.
  void deliver(Packet p, Deadline deadline, const std::stop_token& stop = {});
  void deliver(std::vector<Packet>&& burst, Deadline deadline, const std::stop_token& stop = {});

  // Zero throughout when the router does not count.
  NetworkTraffic traffic() const;
  void reset_traffic();

 private:
  // The node of the packet's destination; throws for an unknown one.
  int node_of(const Packet& p) const;
  // The burst's common destination node; throws unless every packet has the same destination.
  int burst_node(const std::vector<Packet>& burst) const;
  // Into the local FIFO of the destination, through kernel 0's decoder for packets to kernel 0.
  void push_local(std::vector<Packet>&& burst, Deadline deadline, const std::stop_token& stop);
  Fifo<Packet>& local_inbox(const Packet& p) const;
  // Adds the burst's packets and bytes (bridge header included) to the two counters, if the
  // router counts.
  void count(const std::vector<Packet>& burst, std::atomic<std::int64_t>& packets,
             std::atomic<std::int64_t>& bytes) const;

  int node_;
  std::string name_;
  RoutingTable table_;
  Transport& transport_;
  TrafficCounting counting_;
  std::vector<std::vector<Fifo<Packet>*>> inbox_;  // [cluster][id]; null for kernels elsewhere
  std::vector<Fifo<Packet>*> host_inbox_;          // [id] of the host's ends on this node
  std::atomic<std::int64_t> packets_sent_{0}, bytes_sent_{0}, packets_received_{0},
      bytes_received_{0};
};

}  // namespace atl::platform
