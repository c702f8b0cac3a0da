// The FIFO's deadline and back-pressure, and the router's local vs remote delivery.
#include "platform/router.h"

#include <gtest/gtest.h>

#include <thread>

#include "core/error.h"
#include "platform/failure.h"
#include "platform/fifo.h"
#include "platform/gmi_skew.h"
#include "routes.h"

namespace atl::platform {
namespace {

using std::chrono::milliseconds;

// Records what the router hands to the network.
class RecordingTransport final : public Transport {
 public:
  Attachment attach(int, Router&, Failure&) override { return {}; }
  void send(int node, Packet p, Deadline, std::stop_token) override {
    sent.emplace_back(node, std::move(p));
  }
  void barrier(Deadline, std::stop_token) override {}
  std::vector<std::pair<int, Packet>> sent;
};

Packet to(std::uint32_t dest, std::uint32_t src = 1) {
  Packet p;
  p.dest = dest;
  p.id = src;
  p.user = 1;
  p.data.resize(kFlitBytes);
  return p;
}

TEST(Fifo, PopTimesOutNamingTheStream) {
  Fifo<int> f("l0.q -> l0.h0.attention", 2);
  const auto t0 = Clock::now();
  try {
    f.pop(Clock::now() + milliseconds(50));
    FAIL() << "pop of an empty FIFO returned";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("l0.q -> l0.h0.attention"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
  }
  EXPECT_GE(Clock::now() - t0, milliseconds(50));
  EXPECT_LT(Clock::now() - t0, milliseconds(2000));
}

TEST(Fifo, FullFifoBlocksWriterUntilReaderTakes) {
  Fifo<int> f("s", 1);
  f.push(1, Clock::now() + milliseconds(100));
  EXPECT_THROW(f.push(2, Clock::now() + milliseconds(20)), core::Error);  // back-pressure
  std::jthread reader([&] {
    std::this_thread::sleep_for(milliseconds(20));
    EXPECT_EQ(f.pop(Clock::now() + milliseconds(1000)), 1);
  });
  f.push(3, Clock::now() + milliseconds(2000));  // succeeds once the reader made room
  reader.join();
  EXPECT_EQ(f.pop(Clock::now() + milliseconds(100)), 3);
}

TEST(Fifo, StopWakesABlockedReader) {
  Fifo<int> f("s", 1);
  std::stop_source stop;
  std::jthread stopper([&] {
    std::this_thread::sleep_for(milliseconds(20));
    stop.request_stop();
  });
  try {
    f.pop(Clock::now() + std::chrono::seconds(30), stop.get_token());
    FAIL() << "pop returned";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("stopped"), std::string::npos) << e.what();
  }
}

TEST(Fifo, BurstLargerThanTheFifoGoesThroughInOrder) {
  Fifo<int> f("s", 3);
  std::vector<int> got;
  std::jthread reader([&] {
    while (got.size() < 10) f.pop_all(got, Clock::now() + milliseconds(2000));
  });
  std::vector<int> burst{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  f.push_all(std::move(burst), Clock::now() + milliseconds(2000));  // waits for room 3 times
  reader.join();
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_TRUE(burst.empty());
}

TEST(Fifo, PopAllTakesEverythingQueuedAndTimesOutWhenEmpty) {
  Fifo<int> f("l0.ffn1 -> l0.ffn2", 4);
  f.push(7, Clock::now() + milliseconds(100));
  f.push_all({8, 9}, Clock::now() + milliseconds(100));
  std::vector<int> got{1};
  f.pop_all(got, Clock::now() + milliseconds(100));
  EXPECT_EQ(got, (std::vector<int>{1, 7, 8, 9}));  // appended after what was there
  EXPECT_EQ(f.size(), 0u);
  try {
    f.pop_all(got, Clock::now() + milliseconds(20));
    FAIL() << "pop_all of an empty FIFO returned";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("l0.ffn1 -> l0.ffn2"), std::string::npos) << e.what();
  }
  // A full FIFO and no reader: the burst's writer gives up at its deadline.
  f.push_all({1, 2, 3, 4}, Clock::now() + milliseconds(100));
  EXPECT_THROW(f.push_all({5}, Clock::now() + milliseconds(20)), core::Error);
}

// Waits (at most 5 s) until `ready` holds; false if it never does.
template <class Ready>
bool eventually(Ready ready) {
  const Deadline give_up = Clock::now() + std::chrono::seconds(5);
  while (!ready()) {
    if (Clock::now() > give_up) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

TEST(Fifo, CountsItsWaitersAndWakesThem) {
  Fifo<int> f("l0.q -> l0.h0.attention", 1);
  // Nobody waits: a push and a pop on one thread (a process running all its kernels) count none.
  f.push(1, Clock::now() + milliseconds(100));
  EXPECT_EQ(f.readers_waiting(), 0);
  EXPECT_EQ(f.pop(Clock::now() + milliseconds(100)), 1);
  EXPECT_EQ(f.writers_waiting(), 0);
  // A reader blocked on the empty FIFO counts itself and wakes at the push.
  int got = 0;
  std::thread reader([&] { got = f.pop(Clock::now() + std::chrono::seconds(10)); });
  ASSERT_TRUE(eventually([&] { return f.readers_waiting() == 1; }));
  f.push(2, Clock::now() + milliseconds(100));
  reader.join();
  EXPECT_EQ(got, 2);
  EXPECT_EQ(f.readers_waiting(), 0);
  // A writer blocked on the full FIFO likewise, woken by pop_all.
  f.push(3, Clock::now() + milliseconds(100));
  std::thread writer([&] { f.push(4, Clock::now() + std::chrono::seconds(10)); });
  ASSERT_TRUE(eventually([&] { return f.writers_waiting() == 1; }));
  std::vector<int> all;
  f.pop_all(all, Clock::now() + milliseconds(100));
  writer.join();
  EXPECT_EQ(all, std::vector<int>{3});
  EXPECT_EQ(f.pop(Clock::now() + milliseconds(100)), 4);
  EXPECT_EQ(f.writers_waiting(), 0);
  // A waiter that times out leaves the count.
  EXPECT_THROW(f.pop(Clock::now() + milliseconds(10)), core::Error);
  EXPECT_EQ(f.readers_waiting(), 0);
}

// One cluster: IDs 0 (kernel 0), 1, 2 on node 0; ID 3 on node 1.
RoutingTable one_cluster() {
  return testing::one_cluster({0, 0, 0, 1});
}

TEST(Router, LocalGoesToTheFifoRemoteToTheTransport) {
  RecordingTransport net;
  Router r(0, "fpga0", one_cluster(), net);
  Fifo<Packet> in1("1", 4), in2("2", 4);
  r.attach({0, 1}, in1);
  r.attach({0, 2}, in2);
  EXPECT_THROW(r.attach({0, 3}, in1), core::Error);  // kernel 3 lives elsewhere
  EXPECT_THROW(r.attach({1, 1}, in1), core::Error);  // no cluster 1
  const Deadline d = Clock::now() + milliseconds(100);
  r.route(to(2), d);
  r.route(to(3), d);
  EXPECT_EQ(in2.size(), 1u);
  EXPECT_EQ(in1.size(), 0u);
  ASSERT_EQ(net.sent.size(), 1u);
  EXPECT_EQ(net.sent[0].first, 1);
  EXPECT_EQ(net.sent[0].second.dest, 3u);
  const NetworkTraffic t = r.traffic();
  EXPECT_EQ(t.packets_sent, 1);
  EXPECT_EQ(t.bytes_sent, 128);  // bridge header + one flit
}

// A router that does not count routes and delivers the same, and reports no traffic.
TEST(Router, CountsNothingWhenToldNotTo) {
  RecordingTransport net;
  Router r(0, "fpga0", one_cluster(), net, TrafficCounting::off);
  Fifo<Packet> in2("2", 4);
  r.attach({0, 2}, in2);
  const Deadline d = Clock::now() + milliseconds(100);
  r.route(to(3), d);
  r.deliver(std::vector<Packet>{to(2), to(2)}, d);
  EXPECT_EQ(net.sent.size(), 1u);
  EXPECT_EQ(in2.size(), 2u);
  const NetworkTraffic t = r.traffic();
  EXPECT_EQ(t.packets_sent + t.bytes_sent + t.packets_received + t.bytes_received, 0);
}

TEST(Router, RoutesOnClusterAndId) {
  // The same ID in two clusters lives on two nodes.
  RecordingTransport net;
  RoutingTable table = one_cluster();
  add_route(table, {1, 2}, 1);
  EXPECT_THROW(add_route(table, {1, 2}, 0), core::Error);  // twice
  Router r(0, "fpga0", table, net);
  Fifo<Packet> in("0:2", 4);
  r.attach({0, 2}, in);
  Packet p = to(2);
  p.cluster = 1;
  r.route(p, Clock::now() + milliseconds(100));
  EXPECT_EQ(in.size(), 0u);
  ASSERT_EQ(net.sent.size(), 1u);
  EXPECT_EQ(net.sent[0].first, 1);
  EXPECT_EQ(net.sent[0].second.cluster, 1);
}

TEST(Router, RejectsUnknownAndMisroutedDestinations) {
  RecordingTransport net;
  Router r(0, "fpga0", one_cluster(), net);
  Fifo<Packet> in1("1", 4);
  r.attach({0, 1}, in1);
  const Deadline d = Clock::now() + milliseconds(100);
  try {
    r.route(to(7), d);
    FAIL() << "routed to kernel 7";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown destination cluster 0 ID 7"), std::string::npos)
        << e.what();
  }
  Packet other = to(1);
  other.cluster = 3;
  EXPECT_THROW(r.route(other, d), core::Error);    // no cluster 3
  EXPECT_THROW(r.deliver(to(3), d), core::Error);  // kernel 3 is on node 1, not here
  EXPECT_THROW(r.deliver(to(2), d), core::Error);  // kernel 2 is here but has no input
  r.deliver(to(1), d);
  EXPECT_EQ(in1.size(), 1u);
}

TEST(Router, KernelZeroDecodesToTheVirtualKernelInByteZero) {
  RecordingTransport net;
  Router r(0, "fpga0", one_cluster(), net);
  Fifo<Packet> in2("2", 4);
  r.attach({0, 2}, in2);
  const Deadline d = Clock::now() + milliseconds(100);
  Packet p = to(2, 9);
  p.data[0] = 0x5a;
  r.deliver(gmi_skew(p, {0, 2}), d);  // from kernel 9 of another cluster, via kernel 0
  ASSERT_EQ(in2.size(), 1u);
  std::vector<Packet> got;
  in2.pop_all(got, d);
  EXPECT_EQ(got[0], p);
  // A packet for kernel 0 that names no virtual kernel here, or kernel 0 itself.
  EXPECT_THROW(r.deliver(gmi_skew(to(1), {0, 3}), d), core::Error);
  try {
    r.route(to(0), d);  // one flit: not a skewed packet
    FAIL() << "kernel 0 took a packet without a virtual kernel ID";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("holds 1 flit(s)"), std::string::npos) << e.what();
  }
}

TEST(Router, BurstsGoWholeToTheFifoOrTheTransport) {
  RecordingTransport net;
  Router r(0, "fpga0", one_cluster(), net);
  Fifo<Packet> in2("2", 4);
  r.attach({0, 2}, in2);
  const Deadline d = Clock::now() + milliseconds(100);
  r.route(std::vector<Packet>{to(2, 1), to(2, 1), to(2, 1)}, d);
  EXPECT_EQ(in2.size(), 3u);
  // Remote: the default send_burst sends each packet, in order.
  std::vector<Packet> remote{to(3, 1), to(3, 2)};
  r.route(std::move(remote), d);
  ASSERT_EQ(net.sent.size(), 2u);
  EXPECT_EQ(net.sent[0].second.id, 1u);
  EXPECT_EQ(net.sent[1].second.id, 2u);
  EXPECT_EQ(r.traffic().packets_sent, 2);
  EXPECT_EQ(r.traffic().bytes_sent, 256);
  try {
    r.route(std::vector<Packet>{to(2), to(3)}, d);
    FAIL() << "routed a burst with two destinations";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("mixes destinations cluster 0 ID 2 and cluster 0 ID 3"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(r.deliver(std::vector<Packet>{to(3), to(3)}, d), core::Error);  // not here
  r.deliver(std::vector<Packet>{to(2)}, d);
  EXPECT_EQ(in2.size(), 4u);
  EXPECT_EQ(r.traffic().packets_received, 1);
}

TEST(Router, RouteLeavesTheBurstsStorageWithTheCaller) {
  RecordingTransport transport;
  Router r(0, "n0", one_cluster(), transport);
  Fifo<Packet> inbox("kernel 2", 8);
  r.attach({0, 2}, inbox);
  const Deadline d = Clock::now() + milliseconds(100);
  std::vector<Packet> burst{to(2), to(2)};
  burst.reserve(16);
  const Packet* storage = burst.data();
  r.route(std::move(burst), d);  // local: into the FIFO
  EXPECT_TRUE(burst.empty());    // NOLINT(bugprone-use-after-move): the contract under test
  EXPECT_EQ(burst.data(), storage);
  EXPECT_EQ(inbox.size(), 2u);
  burst.push_back(to(3));
  r.route(std::move(burst), d);  // remote: to the transport
  EXPECT_EQ(burst.data(), storage);
  ASSERT_EQ(transport.sent.size(), 1u);
  EXPECT_EQ(transport.sent[0].second, to(3));
  EXPECT_EQ(r.traffic().packets_sent, 1);
  EXPECT_EQ(r.traffic().bytes_sent, 2 * std::int64_t{kFlitBytes});
}

TEST(Router, RejectsIdsWiderThanEightBits) {
  RecordingTransport net;
  RoutingTable table;
  for (std::uint32_t id = 0; id < 300; ++id) add_route(table, {0, id}, 1);
  Router r(0, "fpga0", table, net);
  EXPECT_THROW(r.route(to(280), Clock::now()), core::Error);
  r.route(to(255), Clock::now());
  ASSERT_EQ(net.sent.size(), 1u);
  EXPECT_EQ(net.sent[0].second.dest, 255u);
}

}  // namespace
}  // namespace atl::platform
