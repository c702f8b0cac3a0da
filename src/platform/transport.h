// How packets travel between nodes. A Router hands every packet whose destination lives on
// another node to the transport; the transport delivers it to that node's Router. Three
// implementations: threads in one process (inproc_transport.h), Open MPI ranks
// (mpi_transport.h) and UDP datagrams in the Galapagos wire format (udp_transport.h).
#pragma once

#include <stop_token>
#include <vector>

#include "platform/failure.h"
#include "platform/fifo.h"
#include "platform/link.h"
#include "platform/packet.h"

namespace atl::platform {

class Router;

class Transport {
 public:
  virtual ~Transport() = default;

  // Connects the router of a node this process runs, until the returned Attachment is
  // destroyed: incoming packets for the node go there, and what goes wrong while receiving (a
  // malformed packet, an unknown destination) is recorded in `failure`, which stops the run.
  // The transport never touches either after the detach (link.h). Throws core::Error when
  // this process cannot run `node`.
  virtual Attachment attach(int node, Router& router, Failure& failure) = 0;
  // Sends `p` to node `node` (never this process's own node: the router delivers those).
  // Blocks under back-pressure until `deadline`; throws core::Error naming the node on failure.
  virtual void send(int node, Packet p, Deadline deadline, std::stop_token stop) = 0;
  // Sends packets for one destination kernel, in order, moving them out of `burst`. By default
  // one send() each; the in-process transport hands the whole burst over at once.
  virtual void send_burst(int node, std::vector<Packet>&& burst, Deadline deadline,
                          std::stop_token stop) {
    for (Packet& p : burst) send(node, std::move(p), deadline, stop);
  }
  // GMI barrier between the processes of a run: returns once every process has reached it;
  // throws core::Error naming the missing peers at the deadline. Called once per process (the
  // nodes inside one process need no synchronising).
  virtual void barrier(Deadline deadline, std::stop_token stop) = 0;
};

}  // namespace atl::platform
