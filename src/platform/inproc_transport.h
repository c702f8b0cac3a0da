// All nodes in one process, one thread per kernel: a packet for another node is handed straight
// to that node's router (the "network" is a function call, back-pressure is the receiving FIFO).
#pragma once

#include <memory>
#include <vector>

#include "platform/link.h"
#include "platform/transport.h"

namespace atl::platform {

class InprocTransport final : public Transport {
 public:
  explicit InprocTransport(int nodes);

  Attachment attach(int node, Router& router, Failure& failure) override;
  void send(int node, Packet p, Deadline deadline, std::stop_token stop) override;
  // The burst goes to the receiving node's router in one hand-off; the wait for room ends when
  // the receiving node's run fails (in one process, the sender's run) or the node detaches.
  void send_burst(int node, std::vector<Packet>&& burst, Deadline deadline,
                  std::stop_token stop) override;
  // One process holds every node, so there is nobody to wait for.
  void barrier(Deadline, std::stop_token) override {}

 private:
  const std::shared_ptr<NodeLink>& link(int node) const;

  std::vector<std::shared_ptr<NodeLink>> links_;
};

}  // namespace atl::platform
