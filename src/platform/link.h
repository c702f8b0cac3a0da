// How a transport reaches a node it delivers to, and for how long. A transport's receiver thread
// serves the barriers before and after a run, so it lives longer than the nodes of the run; it
// must never hold their routers or the run's failure record itself. Instead a node attaches its
// router and failure record to the transport's NodeLink for as long as the node exists (an
// Attachment), and the transport reaches them only through the link. Detaching interrupts a
// delivery in progress and waits for it to end; from then on the link delivers nothing and
// reports to nobody, so a late, stray or hostile packet cannot touch a node that is gone.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "platform/failure.h"
#include "platform/fifo.h"
#include "platform/packet.h"

namespace atl::platform {

class Router;

class NodeLink {
 public:
  // Hands `burst` (packets for one kernel) to the attached router, waiting for room in the
  // kernel's FIFO until `deadline`; the wait ends early when the node's run fails or the node
  // detaches. Throws core::Error (kind failed) naming `node` when no node is attached, and
  // whatever Router::deliver throws.
  void deliver(std::vector<Packet>&& burst, Deadline deadline, int node);
  // Records `what` as the failure of the attached node's run, which stops it; false when no
  // node is attached.
  bool report(const std::string& what);

 private:
  friend class Attachment;
  struct RequestStop {
    std::stop_source stop;
    void operator()() { stop.request_stop(); }
  };

  // Shared by deliveries (several in-process senders may deliver at once), exclusive for
  // attaching and detaching.
  std::shared_mutex mutex_;
  Router* router_ = nullptr;
  Failure* failure_ = nullptr;
  std::stop_source stop_;       // a new one per attachment: requested by a failure or the detach
  std::stop_token stop_token_;  // stop_'s, kept: getting a token costs atomic operations
  std::optional<std::stop_callback<RequestStop>> on_failure_;
};

// A node's router and failure record attached to a link until this object is destroyed (or
// moved from). Declare it after what it attaches, so that it detaches first.
class [[nodiscard]] Attachment {
 public:
  Attachment() = default;
  // Throws core::Error (kind internal) when the link already has a node attached.
  Attachment(std::shared_ptr<NodeLink> link, Router& router, Failure& failure);
  Attachment(Attachment&& other) noexcept = default;
  Attachment& operator=(Attachment&& other) noexcept;
  ~Attachment();

 private:
  void detach() noexcept;

  std::shared_ptr<NodeLink> link_;
};

// One link per node of a run, for a transport to hold.
std::vector<std::shared_ptr<NodeLink>> make_links(int nodes);

}  // namespace atl::platform
