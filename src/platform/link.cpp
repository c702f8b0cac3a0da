#include "platform/link.h"

#include <fmt/format.h>

#include <mutex>

#include "core/error.h"
#include "platform/router.h"

namespace atl::platform {

void NodeLink::deliver(std::vector<Packet>&& burst, Deadline deadline, int node) {
  std::shared_lock lock(mutex_);
  if (!router_) {
    throw core::Error(core::ErrorKind::failed,
                      fmt::format("packet for kernel {} of node {}, which runs nothing now",
                                  burst.empty() ? 0 : burst.front().dest, node));
  }
  router_->deliver(std::move(burst), deadline, stop_token_);
}

bool NodeLink::report(const std::string& what) {
  std::shared_lock lock(mutex_);
  if (!failure_) return false;
  failure_->record(what);
  return true;
}

Attachment::Attachment(std::shared_ptr<NodeLink> link, Router& router, Failure& failure)
    : link_(std::move(link)) {
  std::unique_lock lock(link_->mutex_);
  if (link_->router_) {
    const std::string other = link_->router_->name();
    link_.reset();
    throw core::Error(core::ErrorKind::internal,
                      fmt::format("node {} attached to a transport that still serves node {}",
                                  router.name(), other));
  }
  link_->router_ = &router;
  link_->failure_ = &failure;
  link_->stop_ = std::stop_source();
  link_->stop_token_ = link_->stop_.get_token();
  link_->on_failure_.emplace(failure.token(), NodeLink::RequestStop{link_->stop_});
}

Attachment& Attachment::operator=(Attachment&& other) noexcept {
  if (this != &other) {
    detach();
    link_ = std::move(other.link_);
  }
  return *this;
}

Attachment::~Attachment() {
  detach();
}

void Attachment::detach() noexcept {
  if (!link_) return;
  // Wake a delivery blocked on a full FIFO first, then wait for every delivery to leave.
  link_->stop_.request_stop();
  std::unique_lock lock(link_->mutex_);
  link_->on_failure_.reset();
  link_->router_ = nullptr;
  link_->failure_ = nullptr;
  link_.reset();
}

std::vector<std::shared_ptr<NodeLink>> make_links(int nodes) {
  std::vector<std::shared_ptr<NodeLink>> links;
  for (int n = 0; n < nodes; ++n) links.push_back(std::make_shared<NodeLink>());
  return links;
}

}  // namespace atl::platform
