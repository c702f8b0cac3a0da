// A transport reaches a node only through its link, and only while the node is attached: a
// detach interrupts a delivery in progress, and later packets are an error, never a call into
// a router or failure record that is gone. Also the deadline arithmetic of long waits.
#include "platform/link.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <thread>

#include "core/error.h"
#include "platform/inproc_transport.h"
#include "platform/router.h"
#include "routes.h"

namespace atl::platform {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Packet to(std::uint32_t dest) {
  Packet p;
  p.dest = dest;
  p.id = 2;
  p.user = 1;
  p.data.resize(kFlitBytes);
  return p;
}

std::vector<Packet> burst_to(std::uint32_t dest) {
  std::vector<Packet> b;
  b.push_back(to(dest));
  return b;
}

// Node 0 of a two-node table: kernel 1 here, kernel 2 on node 1.
struct NodeZero {
  InprocTransport net{2};
  Router router{0, "fpga0", testing::one_cluster({-1, 0, 1}), net};
  Fifo<Packet> inbox{"kernel 1", 1};
  Failure failure;
  NodeZero() { router.attach({0, 1}, inbox); }
};

TEST(Link, DeliversWhileAttachedAndFailsCleanlyAfter) {
  const auto link = make_links(1).front();
  {
    NodeZero node;
    const Attachment attached(link, node.router, node.failure);
    link->deliver(burst_to(1), Clock::now() + seconds(5), 0);
    EXPECT_EQ(node.inbox.pop(Clock::now() + seconds(5)), to(1));
    EXPECT_TRUE(link->report("bad datagram"));
    EXPECT_EQ(node.failure.first(), "bad datagram");
  }
  // The node, its router and its failure record are gone: the link touches none of them.
  try {
    link->deliver(burst_to(1), Clock::now() + seconds(5), 0);
    FAIL() << "delivered to a node that is gone";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::failed);
    EXPECT_STREQ(e.what(), "packet for kernel 1 of node 0, which runs nothing now");
  }
  EXPECT_FALSE(link->report("late datagram"));
}

TEST(Link, DetachInterruptsADeliveryBlockedOnAFullFifo) {
  const auto link = make_links(1).front();
  NodeZero node;
  std::optional<Attachment> attached(std::in_place, link, node.router, node.failure);
  link->deliver(burst_to(1), Clock::now() + seconds(5), 0);  // the FIFO (capacity 1) is full
  std::optional<core::ErrorKind> kind;
  std::jthread receiver([&] {
    try {
      link->deliver(burst_to(1), Clock::now() + seconds(30), 0);
    } catch (const core::Error& e) {
      kind = e.kind();
    }
  });
  std::this_thread::sleep_for(milliseconds(50));  // the receiver is now blocked
  const auto t0 = Clock::now();
  attached.reset();  // returns only once the delivery has left the router
  EXPECT_LT(Clock::now() - t0, seconds(5));
  receiver.join();
  EXPECT_EQ(kind, core::ErrorKind::failed);
  EXPECT_EQ(node.inbox.size(), 1u);
}

TEST(Link, AFailureOfTheRunInterruptsADelivery) {
  const auto link = make_links(1).front();
  NodeZero node;
  const Attachment attached(link, node.router, node.failure);
  link->deliver(burst_to(1), Clock::now() + seconds(5), 0);
  std::jthread stopper([&] {
    std::this_thread::sleep_for(milliseconds(50));
    node.failure.record("kernel 'l0.q' threw");
  });
  const auto t0 = Clock::now();
  EXPECT_THROW(link->deliver(burst_to(1), Clock::now() + seconds(30), 0), core::Error);
  EXPECT_LT(Clock::now() - t0, seconds(5));
}

TEST(Link, OneNodeAtATime) {
  const auto link = make_links(1).front();
  NodeZero a, b;
  Attachment first(link, a.router, a.failure);
  try {
    const Attachment second(link, b.router, b.failure);
    FAIL() << "two nodes on one link";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::internal);
  }
  first = Attachment();  // detached: the link is free again
  const Attachment second(link, b.router, b.failure);
  link->deliver(burst_to(1), Clock::now() + seconds(5), 0);
  EXPECT_EQ(b.inbox.size(), 1u);
  EXPECT_EQ(a.inbox.size(), 0u);
}

TEST(Deadline, LongAndOddWaitsNeitherOverflowNorExpireAtOnce) {
  // Each deadline lies between `now` before the call and after it, plus what it stands for.
  const auto expect_between = [](auto wait, Clock::duration expected) {
    const auto before = Clock::now();
    const Deadline d = deadline_after(wait);
    EXPECT_GE(d, before + expected);
    EXPECT_LE(d, Clock::now() + expected);
  };
  expect_between(std::chrono::hours(1'000'000'000), kMaxWait);
  expect_between(std::chrono::duration<double>(1e300), kMaxWait);
  expect_between(std::chrono::duration<double>(1e10), kMaxWait);
  expect_between(milliseconds(1500), milliseconds(1500));
  expect_between(milliseconds(-5), Clock::duration::zero());
  expect_between(std::chrono::duration<double>(std::nan("")), Clock::duration::zero());
  // A FIFO wait on the longest deadline still ends on its stop token.
  Fifo<int> f("idle", 1);
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(milliseconds(20));
    stop.request_stop();
  });
  EXPECT_THROW(f.pop(deadline_after(std::chrono::hours(1'000'000)), stop.get_token()), core::Error);
}

}  // namespace
}  // namespace atl::platform
