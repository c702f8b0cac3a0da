// Nodes as separate processes (or machines) talking UDP in the Galapagos wire format: one
// datagram per packet, the 64-byte bridge header flit followed by the payload flits, exactly
// what network_bridge_udp_100g puts in a UDP payload. So a Galapagos FPGA configured with the
// same kernel IDs and addresses could take any node's place.
//
// Like Galapagos, UDP here has no retransmission: on loopback nothing is lost as long as the
// receiver drains its socket, which a dedicated thread does into the node's router; the socket
// buffer is enlarged to hold bursts.
//
// A datagram that is not a packet in that format (or a barrier packet that breaks the barrier
// convention below) is an error of the run, named by its sender's address and what is wrong
// with it: it fails the run this node is in, or the next barrier when no run is attached.
//
// Two start-ups (UdpStart): atoll's own barrier, which every peer must take part in, or none,
// as a Galapagos FPGA: the node serves at once and sends nothing but data packets, so one atoll
// process can stand in for one FPGA of a real cluster (docs/platform.md, "Standing in for one
// FPGA of a real cluster").
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "platform/failure.h"
#include "platform/link.h"
#include "platform/transport.h"

namespace atl::platform {

struct UdpEndpoint {
  std::string host = "127.0.0.1";  // IPv4 address
  int port = 0;
};

// How a UDP node starts (and ends) a run.
enum class UdpStart {
  barrier,  // atoll's barrier before and after a run: every peer must be an atoll node
  none,     // no barrier: serve at once, send only data packets (peers may be real FPGAs)
};

// Node n at 127.0.0.1:(base_port + n): the loopback layout used by tests and `atoll node`.
// Throws core::Error unless every port lies in 1..65535.
std::vector<UdpEndpoint> loopback_endpoints(int nodes, int base_port);

// "host:port,host:port,..." with one entry per node, in node order (the software form of the
// <ip> fields of a Galapagos map file). Throws core::Error naming the entry that is malformed or
// when the count is not `nodes`.
std::vector<UdpEndpoint> parse_endpoints(const std::string& text, int nodes);

class UdpTransport final : public Transport {
 public:
  // This process runs node `self` and binds its endpoint; `endpoints[n]` is where node n
  // listens. From then on datagrams for the node wait in the socket's buffer until the first
  // barrier() starts the receiver. Throws core::Error naming the address when the socket cannot
  // be bound.
  UdpTransport(std::vector<UdpEndpoint> endpoints, int self, UdpStart start = UdpStart::barrier);
  ~UdpTransport() override;
  UdpTransport(const UdpTransport&) = delete;
  UdpTransport& operator=(const UdpTransport&) = delete;

  Attachment attach(int node, Router& router, Failure& failure) override;
  void send(int node, Packet p, Deadline deadline, std::stop_token stop) override;
  // UdpStart::barrier: every node sends a header-only packet to kernel 0 (the GMI node) of
  // every other node until it has heard from all of them and all have heard from it; throws
  // core::Error naming the missing peers at the deadline. UdpStart::none: returns at once,
  // sending nothing (it still answers a barrier packet of an atoll peer, so that a peer in
  // barrier mode passes). Either way the first barrier starts the receiver thread, `deadline`
  // bounds the deliveries until the next barrier, and the first bad datagram this node
  // received is thrown.
  void barrier(Deadline deadline, std::stop_token stop) override;
  // Datagrams received so far, good or bad (a node without barrier names a silent peer by it).
  std::uint64_t datagrams_received() const { return datagrams_.load(); }

  // Sends raw bytes as one datagram to node `node` (tests use it to inject malformed packets).
  void send_bytes(int node, std::span<const std::uint8_t> bytes);

 private:
  void receive_loop(std::stop_token stop);
  // Throws core::Error naming `where` when `p` breaks the barrier convention.
  void on_barrier_packet(const Packet& p, const std::string& where);
  void send_barrier(int node, std::uint32_t generation, bool heard_you, bool reply);

  std::vector<UdpEndpoint> endpoints_;
  int self_;
  UdpStart start_;
  int socket_ = -1;
  std::atomic<std::uint64_t> datagrams_{0};
  std::shared_ptr<NodeLink> link_ = std::make_shared<NodeLink>();
  Failure received_;                        // the first bad datagram, kept for the barriers
  std::atomic<Deadline::rep> deadline_{0};  // the receiver's deadline for local delivery
  // Barrier bookkeeping per barrier generation: bit n of `heard` = node n's barrier packet
  // arrived; of `acked` = node n said it heard ours.
  struct BarrierState {
    std::uint64_t heard = 0, acked = 0;
  };
  std::mutex barrier_mutex_;
  std::map<std::uint32_t, BarrierState> barriers_;
  std::uint32_t generation_ = 0;  // barriers entered so far
  std::jthread receiver_;
};

}  // namespace atl::platform
