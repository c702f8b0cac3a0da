// All nodes in one process, one thread per kernel: a packet for another node is handed straight
// to that node's router (the "network" is a function call, back-pressure is the receiving FIFO).
#pragma once

#include <vector>

#include "platform/router.h"
#include "platform/transport.h"

namespace atl::platform {

class InprocTransport final : public Transport {
 public:
  explicit InprocTransport(int nodes);

  void attach(int node, Router& router, Failure& failure) override;
  void send(int node, Packet p, Deadline deadline, std::stop_token stop) override;
  void send_burst(int node, std::vector<Packet> burst, Deadline deadline,
                  std::stop_token stop) override;
  // One process holds every node, so there is nobody to wait for.
  void barrier(Deadline, std::stop_token) override {}

 private:
  Router& router(int node) const;

  std::vector<Router*> routers_;
};

}  // namespace atl::platform
