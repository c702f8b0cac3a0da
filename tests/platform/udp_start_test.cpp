// UDP nodes without atoll's barrier (UdpStart::none), as one FPGA of a real Galapagos cluster:
// bit-exact with each other, with a barrier-mode atoll peer, and with a peer that is a bare
// socket; nothing but data packets on the wire; a silent peer ends the run at its deadline.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <thread>

#include "model/encoder.h"
#include "model/synthetic.h"
#include "plans.h"
#include "platform/bridge.h"
#include "platform/ports.h"
#include "platform/routing.h"
#include "platform/run.h"
#include "platform/udp_transport.h"

namespace atl::platform {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Tiny {
  model::ModelConfig config = testing::tiny_config();
  plan::Plan plan = testing::pipeline_plan(config, 2);
  model::EncoderWeights weights = model::synthetic_weights(config, 7);
  core::Tensor<std::int8_t> input = model::random_input(16, config.hidden, 8);
  core::Tensor<std::int8_t> reference = model::Encoder(weights).forward(input);
};

// A port range of its own per test (a test binary runs one test per process under ctest).
int base_port(int offset) {
  return 30000 + offset * 1000 + ::getpid() % 997;
}

RunOptions with_timeout(milliseconds timeout) {
  RunOptions o;
  o.timeout = timeout;
  return o;
}

// Two atoll nodes of the tiny plan, each in its own thread with its own transport (bound before
// either runs), started as `start`; returns node 1's output (it holds the sink).
core::Tensor<std::int8_t> run_two(const Tiny& t, UdpStart start0, UdpStart start1, int port) {
  const std::vector<UdpEndpoint> endpoints = loopback_endpoints(2, port);
  UdpTransport node0(endpoints, 0, start0);
  UdpTransport node1(endpoints, 1, start1);
  std::optional<RunResult> r1;
  std::string error0;
  {
    std::jthread first([&] {
      try {
        const int local[] = {0};
        run_nodes(t.plan, t.weights, t.input, local, node0, with_timeout(seconds(20)));
        node0.barrier(deadline_after(seconds(20)), {});  // the end barrier `atoll node` holds
      } catch (const std::exception& e) {
        error0 = e.what();
      }
    });
    const int local[] = {1};
    r1 = run_nodes(t.plan, t.weights, t.input, local, node1, with_timeout(seconds(20)));
    node1.barrier(deadline_after(seconds(20)), {});
  }
  EXPECT_EQ(error0, "");
  EXPECT_TRUE(r1->output.has_value());
  return r1->output.value_or(core::Tensor<std::int8_t>{});
}

TEST(UdpStart, TwoNodesWithoutBarrierAreBitExact) {
  const Tiny t;
  EXPECT_EQ(run_two(t, UdpStart::none, UdpStart::none, base_port(1)), t.reference);
}

// A node in barrier mode passes its barriers against a peer without: that peer answers them.
TEST(UdpStart, OneNodeWithoutBarrierIsBitExactWithABarrierPeer) {
  const Tiny t;
  EXPECT_EQ(run_two(t, UdpStart::barrier, UdpStart::none, base_port(2)), t.reference);
  EXPECT_EQ(run_two(t, UdpStart::none, UdpStart::barrier, base_port(3)), t.reference);
}

// A bare UDP socket bound at `port` on loopback, as a Galapagos FPGA (or libGalapagos) would be.
class BareSocket {
 public:
  explicit BareSocket(int port) : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
    const int buffer = 64 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer);
  }
  ~BareSocket() { ::close(fd_); }
  BareSocket(const BareSocket&) = delete;
  BareSocket& operator=(const BareSocket&) = delete;

  // Every datagram that arrives until none has come for `quiet`.
  std::vector<std::vector<std::uint8_t>> receive_all(milliseconds quiet) {
    std::vector<std::vector<std::uint8_t>> got;
    std::vector<std::uint8_t> buffer(70000);
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(quiet.count())) <= 0) return got;
      const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n > 0) got.emplace_back(buffer.begin(), buffer.begin() + n);
    }
  }
  void send_to(int port, const std::vector<std::uint8_t>& bytes) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&a),
                       sizeof a),
              static_cast<ssize_t>(bytes.size()));
  }

 private:
  int fd_;
};

// Node 0 without barrier talks to a bare socket in node 1's place: it sends data packets only
// (each a bridge header for a kernel of node 1, never kernel 0) and ends without an answer.
// Those datagrams, sent by another bare socket to an atoll node 1 without barrier, give the
// reference output: an atoll node takes either side of a real Galapagos peer.
TEST(UdpStart, StandsInForOneFpgaOfARealCluster) {
  const Tiny t;
  const int port = base_port(4);
  const std::vector<UdpEndpoint> endpoints = loopback_endpoints(2, port);
  std::vector<std::vector<std::uint8_t>> wire;
  {
    BareSocket fpga1(port + 1);
    UdpTransport node0(endpoints, 0, UdpStart::none);
    const int local[] = {0};
    const RunResult r =
        run_nodes(t.plan, t.weights, t.input, local, node0, with_timeout(seconds(20)));
    node0.barrier(deadline_after(seconds(20)), {});
    EXPECT_FALSE(r.output.has_value());
    EXPECT_EQ(node0.datagrams_received(), 0u);
    wire = fpga1.receive_all(milliseconds(200));
    EXPECT_EQ(static_cast<std::int64_t>(wire.size()), r.nodes.at(0).network.packets_sent);
  }
  ASSERT_FALSE(wire.empty());
  // Every datagram is for a kernel node 1 holds, by (cluster, TDEST) as the routers route.
  const Wiring wiring = platform::wire(t.plan, t.plan.galapagos, t.plan.graph.seq_len);
  for (const auto& d : wire) {
    const Packet p = from_wire(d, "datagram to node 1");
    EXPECT_EQ(node_of(wiring.routes, {p.cluster, p.dest}), 1)
        << "cluster " << p.cluster << " dest " << p.dest;
  }

  UdpTransport node1(endpoints, 1, UdpStart::none);
  BareSocket fpga0(port);
  for (const auto& d : wire) fpga0.send_to(port + 1, d);  // waits in node 1's socket
  const int local[] = {1};
  const RunResult r =
      run_nodes(t.plan, t.weights, t.input, local, node1, with_timeout(seconds(20)));
  EXPECT_EQ(node1.datagrams_received(), wire.size());
  ASSERT_TRUE(r.output.has_value());
  EXPECT_EQ(*r.output, t.reference);
  EXPECT_TRUE(fpga0.receive_all(milliseconds(50)).empty());  // node 1 sent nothing back
}

// Node 1 without barrier, its peer silent: the run ends at its deadline with an error, and
// nothing went out on the wire.
TEST(UdpStart, SilentPeerEndsTheRunAtItsDeadline) {
  const Tiny t;
  const int port = base_port(5);
  BareSocket peer(port);
  UdpTransport node1(loopback_endpoints(2, port), 1, UdpStart::none);
  const int local[] = {1};
  const auto t0 = Clock::now();
  try {
    run_nodes(t.plan, t.weights, t.input, local, node1, with_timeout(milliseconds(500)));
    FAIL() << "a run without input finished";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::failed);
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos) << e.what();
  }
  EXPECT_GE(Clock::now() - t0, milliseconds(500));
  EXPECT_LT(Clock::now() - t0, seconds(5));
  EXPECT_EQ(node1.datagrams_received(), 0u);
  EXPECT_TRUE(peer.receive_all(milliseconds(50)).empty());
}

}  // namespace
}  // namespace atl::platform
