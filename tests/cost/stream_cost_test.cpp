#include <gtest/gtest.h>

#include "cost/cost.h"
#include "graph/arch_ibert.h"

namespace atl::cost {
namespace {

graph::Graph encoder() {
  model::ModelConfig c;
  c.layers = 1;
  return graph::build_graph(c);
}

hw::Network net(int mtu = 9000) {
  hw::Network n;
  n.link_gbps = 100;
  n.hop_latency_ns = 1000;
  n.mtu_bytes = mtu;
  n.frame_overhead_bytes = 66;
  return n;
}

graph::Stream stream_of(std::int64_t bytes) {
  graph::Stream s;
  s.producer = 0;
  s.consumer = 1;
  s.bytes_per_token = bytes;
  return s;
}

TEST(StreamCost, HiddenInt8Row) {
  const StreamCost c = stream_cost(stream_of(768), encoder(), net(), 1);
  EXPECT_EQ(c.packets_per_token, 1);
  EXPECT_EQ(c.flits_per_token, 12 + 1);  // 12 payload flits + the bridge header
  EXPECT_EQ(c.wire_bytes_per_token, 13 * 64 + 66);
  EXPECT_DOUBLE_EQ(c.seconds_per_token, 898 * 8 / 100e9);
  EXPECT_DOUBLE_EQ(c.latency_s, 1e-6);
  EXPECT_DOUBLE_EQ(c.sequence_s, 1e-6 + (128 * 898 + 64) * 8 / 100e9);
}

TEST(StreamCost, SplitAtMtu) {
  // int32 FFN2 row: 3,072 B = 48 flits. A 1,500-B MTU carries (1500 - 28) / 64 - 1 = 21 payload
  // flits per packet, so 3 packets and 3 header flits.
  const StreamCost c = stream_cost(stream_of(3072), encoder(), net(1500), 2);
  EXPECT_EQ(c.packets_per_token, 3);
  EXPECT_EQ(c.flits_per_token, 48 + 3);
  EXPECT_EQ(c.wire_bytes_per_token, 51 * 64 + 3 * 66);
  EXPECT_DOUBLE_EQ(c.latency_s, 2e-6);
  // Jumbo frames: one packet.
  EXPECT_EQ(stream_cost(stream_of(3072), encoder(), net(9000), 1).packets_per_token, 1);
}

TEST(StreamCost, OnChipHasNoNetworkCost) {
  const StreamCost c = stream_cost(stream_of(64), encoder(), net(), 0);
  EXPECT_EQ(c.on_chip_cycles_per_token, 1);
  EXPECT_EQ(c.wire_bytes_per_token, 0);
  EXPECT_EQ(c.seconds_per_token, 0);
  EXPECT_EQ(c.latency_s, 0);
}

TEST(StreamCost, ProbabilitiesRoundUpToFlits) {
  graph::Graph g = encoder();
  g.seq_len = 100;
  const StreamCost c = stream_cost(stream_of(100), g, net(), 1);
  EXPECT_EQ(c.flits_per_token, 2 + 1);
}

}  // namespace
}  // namespace atl::cost
