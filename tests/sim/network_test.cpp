#include "sim/network.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "tiny_plans.h"

namespace atl::sim {
namespace {

std::vector<std::string> route_names(const Network& n, int a, int b) {
  std::vector<std::string> names;
  for (int l : n.route(a, b)) names.push_back(n.links[l].name);
  return names;
}

TEST(Network, SwitchedRoutesGoUpAndDown) {
  Network n = build_network(testing::cluster(3));
  EXPECT_EQ(n.links.size(), 6u);
  EXPECT_TRUE(n.route(1, 1).empty());
  EXPECT_EQ(route_names(n, 0, 2), (std::vector<std::string>{"fpga0->switch", "switch->fpga2"}));
  // The hop latency sits on the uplink only: one hop = 1,000 ns in total.
  EXPECT_EQ(n.links[n.route(0, 2)[0]].latency, 1'000'000);
  EXPECT_EQ(n.links[n.route(0, 2)[1]].latency, 0);
  EXPECT_DOUBLE_EQ(n.links[0].ps_per_byte, 80.0);
}

TEST(Network, RingTakesTheShorterWay) {
  hw::Cluster c = testing::cluster(5);
  c.network.topology = hw::Topology::ring;
  Network n = build_network(c);
  EXPECT_EQ(route_names(n, 0, 2), (std::vector<std::string>{"fpga0->fpga1", "fpga1->fpga2"}));
  EXPECT_EQ(route_names(n, 0, 4), (std::vector<std::string>{"fpga0->fpga4"}));
  EXPECT_EQ(route_names(n, 3, 0), (std::vector<std::string>{"fpga3->fpga4", "fpga4->fpga0"}));
}

TEST(Network, DirectUsesFewestLinks) {
  hw::Cluster c = testing::cluster(4);
  c.network.topology = hw::Topology::direct;
  c.network.links = {{0, 1}, {1, 2}, {2, 3}, {0, 3}};
  Network n = build_network(c);
  EXPECT_EQ(route_names(n, 0, 3), (std::vector<std::string>{"fpga0->fpga3"}));
  EXPECT_EQ(route_names(n, 0, 2), (std::vector<std::string>{"fpga0->fpga1", "fpga1->fpga2"}));
  EXPECT_EQ(route_names(n, 2, 0), (std::vector<std::string>{"fpga2->fpga1", "fpga1->fpga0"}));
}

TEST(Network, DirectRejectsUnreachableNodes) {
  hw::Cluster c = testing::cluster(3);
  c.network.topology = hw::Topology::direct;
  c.network.links = {{0, 1}};
  EXPECT_THROW(build_network(c), core::Error);
  c.network.links = {{0, 7}};
  EXPECT_THROW(build_network(c), core::Error);
}

// Routes are computed when asked: 20,000 nodes on a ring used to need a table of 4 x 10^8 routes
// (10 GB before their links).
TEST(Network, ManyNodesNeedNoRouteTable) {
  hw::Cluster c = testing::cluster(20'000);
  c.network.topology = hw::Topology::ring;
  Network n = build_network(c);
  EXPECT_EQ(n.links.size(), 40'000u);
  EXPECT_EQ(n.route(0, 10'000).size(), 10'000u);
  EXPECT_EQ(route_names(n, 0, 19'999), (std::vector<std::string>{"fpga0->fpga19999"}));
}

}  // namespace
}  // namespace atl::sim
