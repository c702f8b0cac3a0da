#include "platform/inproc_transport.h"

#include <fmt/format.h>

#include "core/error.h"

namespace atl::platform {

InprocTransport::InprocTransport(int nodes) : routers_(static_cast<std::size_t>(nodes), nullptr) {}

// A delivery error surfaces in the sending kernel's task, which records it itself.
void InprocTransport::attach(int node, Router& router, Failure&) {
  routers_.at(node) = &router;
}

Router& InprocTransport::router(int node) const {
  if (node < 0 || node >= static_cast<int>(routers_.size()) || !routers_[node]) {
    throw core::Error(fmt::format("in-process transport: no node {} to send to", node));
  }
  return *routers_[node];
}

void InprocTransport::send(int node, Packet p, Deadline deadline, std::stop_token stop) {
  router(node).deliver(std::move(p), deadline, stop);
}

void InprocTransport::send_burst(int node, std::vector<Packet> burst, Deadline deadline,
                                 std::stop_token stop) {
  router(node).deliver(std::move(burst), deadline, stop);
}

}  // namespace atl::platform
