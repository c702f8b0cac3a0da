#include "platform/inproc_transport.h"

#include <fmt/format.h>

#include "core/error.h"

namespace atl::platform {

InprocTransport::InprocTransport(int nodes) : links_(make_links(nodes)) {}

const std::shared_ptr<NodeLink>& InprocTransport::link(int node) const {
  if (node < 0 || node >= static_cast<int>(links_.size())) {
    throw core::Error(
        core::ErrorKind::internal,
        fmt::format("in-process transport: no node {} among its {} nodes", node, links_.size()));
  }
  return links_[static_cast<std::size_t>(node)];
}

// A delivery error surfaces in the sending kernel's task, which records it itself.
Attachment InprocTransport::attach(int node, Router& router, Failure& failure) {
  return Attachment(link(node), router, failure);
}

void InprocTransport::send(int node, Packet p, Deadline deadline, std::stop_token stop) {
  std::vector<Packet> burst;
  burst.push_back(std::move(p));
  send_burst(node, std::move(burst), deadline, stop);
}

void InprocTransport::send_burst(int node, std::vector<Packet>&& burst, Deadline deadline,
                                 std::stop_token) {
  link(node)->deliver(std::move(burst), deadline, node);
}

}  // namespace atl::platform
