#include "hw/cluster.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "hw_fixture.h"

namespace atl::hw {
namespace {

NetworkDefaults defaults() {
  return {
      .switched_hop_ns = 500, .direct_hop_ns = 150, .mtu_bytes = 9000, .frame_overhead_bytes = 66};
}

class ClusterFile : public ::testing::Test {
 protected:
  ClusterFile() {
    t_.write("devices/alpha.yaml", device_yaml("alpha"));
    t_.write("devices/beta.yaml", device_yaml("beta"));
    catalogue_ = load_catalogue(t_.path() / "devices");
  }
  Cluster load(const std::string& text) {
    return load_cluster(t_.write("c.yaml", text), catalogue_, defaults());
  }
  // The error message without the leading temporary file path.
  std::string error_of(const std::string& text) {
    try {
      load(text);
    } catch (const core::Error& e) {
      const std::string msg = e.what(), file = (t_.path() / "c.yaml").string();
      return msg.rfind(file, 0) == 0 ? msg.substr(file.size()) : msg;
    }
    return "";
  }
  TempDir t_;
  Catalogue catalogue_;
};

TEST_F(ClusterFile, CountAndNamedNodes) {
  const Cluster c = load(
      "name: six\nnodes:\n  - 4 x alpha\n  - {name: host, board: beta}\n  - 1 x beta\n"
      "network: {topology: switch, link_gbps: 100}\n");
  EXPECT_EQ(c.name, "six");
  ASSERT_EQ(c.nodes.size(), 6u);
  EXPECT_EQ(c.nodes[0].name, "fpga0");
  EXPECT_EQ(c.nodes[3].name, "fpga3");
  EXPECT_EQ(c.nodes[4].name, "host");
  EXPECT_EQ(c.nodes[5].name, "fpga5");
  EXPECT_EQ(c.nodes[4].device.name, "beta");
  EXPECT_EQ(c.network.topology, Topology::switched);
  EXPECT_EQ(c.network.link_gbps, 100);
  EXPECT_EQ(c.network.hop_latency_ns, 500);  // from the defaults
  EXPECT_EQ(c.network.frame_overhead_bytes, 66);
  EXPECT_EQ(hops(c, 0, 0), 0);
  EXPECT_EQ(hops(c, 0, 5), 1);
}

TEST_F(ClusterFile, RingAndDirectHops) {
  const Cluster ring =
      load("name: r\nnodes: [6 x alpha]\nnetwork: {topology: ring, link_gbps: 50, mtu: 1500}\n");
  EXPECT_EQ(ring.network.hop_latency_ns, 150);  // the direct-link default
  EXPECT_EQ(ring.network.mtu_bytes, 1500);
  EXPECT_EQ(hops(ring, 0, 1), 1);
  EXPECT_EQ(hops(ring, 0, 5), 1);
  EXPECT_EQ(hops(ring, 1, 4), 3);
  const Cluster line = load(
      "name: d\nnodes: [4 x alpha]\nnetwork: {topology: direct, link_gbps: 100, "
      "links: [[fpga0, fpga1], [1, 2], [fpga2, 3]]}\n");
  EXPECT_EQ(line.network.links, (std::vector<std::pair<int, int>>{{0, 1}, {1, 2}, {2, 3}}));
  EXPECT_EQ(hops(line, 0, 3), 3);
  EXPECT_EQ(hops(line, 2, 1), 1);
  EXPECT_EQ(load("name: s\nnodes: [2 x alpha]\nnetwork: {topology: switch, link_gbps: 100, "
                 "hop_latency_ns: 250}\n")
                .network.hop_latency_ns,
            250);
}

// The shipped network constants: hop latencies, MTU and framing as data/network.yaml gives them.
TEST(NetworkDefaults, Shipped) {
  const NetworkDefaults d = load_network_defaults(default_data_dir() / "network.yaml");
  EXPECT_EQ(d.switched_hop_ns, 1000);
  EXPECT_EQ(d.direct_hop_ns, 200);
  EXPECT_EQ(d.mtu_bytes, 9000);
  EXPECT_EQ(d.frame_overhead_bytes, 66);
}

TEST_F(ClusterFile, BadInput) {
  EXPECT_EQ(error_of("name: x\nnodes: [2 x gamma]\nnetwork: {topology: switch, link_gbps: 100}\n"),
            ".nodes[0]: unknown board 'gamma' (known boards: alpha, beta)");
  EXPECT_EQ(error_of("name: x\nnodes: [2 x alpha, {name: fpga1, board: beta}]\n"
                     "network: {topology: switch, link_gbps: 100}\n"),
            ".nodes[1]: duplicate node name 'fpga1'");
  EXPECT_EQ(error_of("name: x\nnodes: [2 x alpha]\nnetwork: {topology: switch, link_gbps: 0}\n"),
            ".network.link_gbps: must be positive, got 0");
  EXPECT_EQ(error_of("name: x\nnodes: [2 x alpha]\nnetwork: {topology: switch, link_gbps: fast}\n"),
            ".network.link_gbps: expected a number, got 'fast'");
  EXPECT_EQ(error_of("name: x\nnodes: [2 x alpha]\nnetwork: {topology: mesh, link_gbps: 1}\n"),
            ".network.topology: expected switch, ring or direct, got 'mesh'");
  EXPECT_EQ(error_of("name: x\nnodes: [2 x alpha]\n"), ".network: missing mapping");
  EXPECT_EQ(error_of("nodes: [2 x alpha]\nnetwork: {topology: ring, link_gbps: 1}\n"),
            ".name: missing field");
  EXPECT_EQ(error_of("name: x\nnodes: [two x alpha]\nnetwork: {topology: ring, link_gbps: 1}\n"),
            ".nodes[0]: expected \"<count> x <board>\" or {name, board}, got 'two x alpha'");
  EXPECT_EQ(error_of("name: x\nnode: [2 x alpha]\nnetwork: {topology: ring, link_gbps: 1}\n"),
            ": unknown field 'node' (expected name, description, nodes, network)");
  EXPECT_EQ(error_of("name: x\nnodes: [3 x alpha]\n"
                     "network: {topology: direct, link_gbps: 1, links: [[0, 1]]}\n"),
            ".network.links: node 'fpga2' is not reachable from 'fpga0'");
  EXPECT_EQ(error_of("name: x\nnodes: [3 x alpha]\n"
                     "network: {topology: direct, link_gbps: 1, links: [[0, fpga9]]}\n"),
            ".network.links[0]: 'fpga9' is neither a node name nor an index 0..2");
  EXPECT_EQ(
      error_of("name: x\nnodes: [2 x alpha]\nnetwork: {topology: ring, link_gbps: 1, mtu: 64}\n"),
      ".network.mtu: must be >= 128 bytes, got 64");
}

}  // namespace
}  // namespace atl::hw
