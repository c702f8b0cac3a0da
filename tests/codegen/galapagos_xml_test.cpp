#include "codegen/galapagos_xml.h"

#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>

#include "codegen/cluster_view.h"
#include "core/error.h"
#include "published_numbering.h"

namespace atl::codegen {
namespace {

const hw::GalapagosBoards kBoards = {{"sidewinder-100", "sidewinder"}, {"u280", ""}};

struct Published : ::testing::Test {
  plan::Plan plan = test::numbered(test::example_plan());
  plan::Galapagos& galapagos = plan.galapagos;
  ClusterView view() const { return view_cluster(plan, 0, kBoards); }
};

// The element names of an XML text, each with how often it opens.
std::map<std::string, int> tags(const std::string& xml) {
  std::map<std::string, int> count;
  static const std::regex open("<([A-Za-z_][A-Za-z0-9_]*)[ >]");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), open); it != std::sregex_iterator();
       ++it)
    ++count[(*it)[1]];
  return count;
}

// The <num> values of a logical file and the <kernel> values of a map file, in order.
std::vector<int> values(const std::string& xml, const std::string& tag) {
  std::vector<int> out;
  const std::regex re("<" + tag + "> ([0-9]+) </" + tag + ">");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), re); it != std::sregex_iterator();
       ++it)
    out.push_back(std::stoi((*it)[1]));
  return out;
}

TEST_F(Published, LogicalFileHasEveryIdOnceFromKernelZero) {
  const std::string x = logical_xml(plan, view());
  std::vector<int> expected(39);
  for (int i = 0; i < 39; ++i) expected[i] = i;
  EXPECT_EQ(values(x, "num"), expected);
  EXPECT_EQ(tags(x)["kernel"], 39);
}

TEST_F(Published, LogicalFileUsesOnlyTagsTheYugaoParserKnows) {
  // yugao middleware/python/kernel.py's mandatory and optional keys, the <packet> of cluster.py
  // and the <scope>/<name> of a stream port that tclFileGenerator.py reads.
  const std::set<std::string> known = {
      "cluster",     "packet",          "kernel",         "num",       "rep",
      "clk",         "aresetn",         "vendor",         "lib",       "version",
      "id_port",     "m_axi",           "s_axi",          "s_axis",    "m_axis",
      "wire_master", "wire_slave",      "m_axi_map",      "s_axi_map", "s_axis_map",
      "m_axis_map",  "wire_master_map", "wire_slave_map", "ip",        "mac",
      "const",       "properties",      "board",          "note",      "scope",
      "name"};
  for (const auto& [tag, n] : tags(logical_xml(plan, view()))) EXPECT_TRUE(known.count(tag)) << tag;
  const std::set<std::string> node_known = {"cluster",    "node",  "num",    "type",
                                            "comm",       "board", "mac",    "ip",
                                            "app_bridge", "debug", "kernel", "custom"};
  for (const auto& [tag, n] : tags(map_xml(plan, view())))
    EXPECT_TRUE(node_known.count(tag)) << tag;
}

TEST_F(Published, IpsCarryTheClusterBuilderVlnvAndTheVirtualKernelKernelZerosAddress) {
  const std::string x = logical_xml(plan, view());
  EXPECT_NE(x.find("    <kernel> kern_31\n        <num> 31 </num>\n        <rep> 1 </rep>\n"
                   "        <vendor> yugao.com </vendor>\n        <lib> user </lib>\n"
                   "        <version> 1.0 </version>\n"),
            std::string::npos);
  EXPECT_NE(x.find("    <!-- 33: virtual broadcast, served inside kern_0 on fpga0 (no IP of its "
                   "own) -->\n    <kernel> virtual_33\n        <num> 33 </num>\n"
                   "        <rep> 1 </rep>\n        <ip> 10.0.0.1 </ip>\n"
                   "        <mac> 02:00:00:00:00:01 </mac>\n    </kernel>\n"),
            std::string::npos);
  EXPECT_EQ(x.find("<type>"), std::string::npos);
  EXPECT_EQ(tags(x)["vendor"], 38);  // every kernel but the virtual one is an IP
}

TEST_F(Published, MapFileListsEachIpOnceOnItsNodeAndPadsOneKernelNodes) {
  const std::string x = map_xml(plan, view());
  std::vector<int> ids = values(x, "kernel");
  std::multiset<int> seen(ids.begin(), ids.end());
  for (int id = 0; id < 39; ++id) EXPECT_EQ(seen.count(id), id == 33 ? 0u : 1u) << id;
  // fpga3, fpga4 and fpga5 hold one IP each (30, 31, 32): each lists kNoKernel beside it.
  EXPECT_EQ(seen.count(static_cast<int>(kNoKernel)), 3u);
  EXPECT_NE(x.find("    <!-- fpga4: catalogue board sidewinder-100; placeholder addresses, edit "
                   "for your site -->\n    <node>\n        <type> hw </type>\n"
                   "        <board> sidewinder </board>\n        <comm> udp </comm>\n"
                   "        <kernel> 31 </kernel>\n"
                   "        <!-- 256: no kernel; makes xmltodict read this node's kernels as a "
                   "list -->\n        <kernel> 256 </kernel>\n"
                   "        <mac> 02:00:00:00:00:05 </mac>\n        <ip> 10.0.0.5 </ip>\n"
                   "    </node>\n"),
            std::string::npos)
      << x;
  EXPECT_EQ(tags(x)["node"], 6);
  EXPECT_EQ(x.find("<type> sw"), std::string::npos);  // no host node: six FPGAs
  EXPECT_EQ(x.find("sidewinder-100 </board>"), std::string::npos);
}

TEST_F(Published, ViewListsTheNodesWithTheirIps) {
  const ClusterView v = view();
  ASSERT_EQ(v.nodes.size(), 6u);
  EXPECT_EQ(v.nodes[0].ips, (std::vector<std::uint32_t>{0, 1, 2, 3, 34, 35, 36}));
  EXPECT_EQ(v.nodes[2].ips, (std::vector<std::uint32_t>{28, 29, 38}));
  EXPECT_EQ(v.nodes[5].address.ip, "10.0.0.6");
  EXPECT_EQ(v.nodes[5].galapagos_board, "sidewinder");
}

TEST_F(Published, RefusesABoardWithoutAGalapagosName) {
  plan.cluster.nodes[3].device.name = "u280";
  try {
    view();
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_STREQ(e.what(),
                 "plan: cluster.nodes[3] (fpga3): board 'u280' has no Galapagos name (the "
                 "catalogue's galapagos.board; Galapagos branch yugao knows only sidewinder among "
                 "atoll's boards)");
  }
}

TEST_F(Published, RefusesABoardMissingFromTheCatalogue) {
  plan.cluster.nodes[1].device.name = "sidewinder-999";
  try {
    view();
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_STREQ(e.what(),
                 "plan: cluster.nodes[1] (fpga1): board 'sidewinder-999' is not in the device "
                 "catalogue");
  }
}

TEST_F(Published, AClusterOnOneFpgaGetsTheHostAsASoftwareNode) {
  for (plan::GalapagosKernel& k : galapagos.clusters[0].kernels) k.node = 2;
  const std::string x = map_xml(plan, view());
  EXPECT_EQ(tags(x)["node"], 2);
  EXPECT_NE(x.find("    <node>\n        <type> sw </type>\n        <comm> udp </comm>\n"
                   "        <kernel> 256 </kernel>\n        <kernel> 256 </kernel>\n"
                   "        <mac> 02:00:00:00:ff:fe </mac>\n        <ip> 10.0.255.254 </ip>\n"
                   "    </node>\n</cluster>\n"),
            std::string::npos)
      << x;
}

TEST_F(Published, RefusesAGapInTheIds) {
  galapagos.clusters[0].kernels.erase(galapagos.clusters[0].kernels.begin() + 33);
  try {
    view();
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_STREQ(e.what(),
                 "plan: galapagos.clusters[0].kernels[33]: ID 34, expected 33 (IDs 0, 1, 2, ... "
                 "below 256, once each)");
  }
}

TEST_F(Published, RefusesAClusterWithoutKernelZero) {
  galapagos.clusters[0].kernels[0].kind = plan::GalapagosKind::comm;
  EXPECT_THROW(view(), core::Error);
}

TEST(PlaceholderAddress, IsBuiltFromTheNodeIndexPlusOne) {
  EXPECT_EQ(placeholder_address(0).ip, "10.0.0.1");
  EXPECT_EQ(placeholder_address(0).mac, "02:00:00:00:00:01");
  EXPECT_EQ(placeholder_address(299).ip, "10.0.1.44");
  EXPECT_EQ(placeholder_address(299).mac, "02:00:00:00:01:2c");
}

}  // namespace
}  // namespace atl::codegen
