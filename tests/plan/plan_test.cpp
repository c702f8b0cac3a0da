#include "plan/plan.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "graph/encoder.h"
#include "plan/galapagos_xml.h"
#include "plan/json.h"
#include "plan/make_plan.h"

namespace atl::plan {
namespace {

// The smallest encoder: one layer, one 64-wide head; 12 kernels, source first and sink last.
graph::Graph tiny_graph() {
  model::ModelConfig c;
  c.name = "tiny";
  c.layers = 1;
  c.hidden = 64;
  c.heads = 1;
  c.intermediate = 64;
  c.seq_len = 4;
  return graph::build_encoder_graph(c);
}

hw::Device board(const std::string& name) {
  hw::Device d;
  d.name = name;
  d.description = "test board";
  d.part = "xc-test";
  d.family = "ultrascale_plus";
  d.resources = {.lut = 1000, .ff = 2000, .dsp = 100, .bram_bytes = 4608, .uram_bytes = 36864};
  d.dsp_kind = "dsp48e2";
  d.kernel_clock_mhz = 199.498;  // a value that must survive the JSON round trip exactly
  d.board_power_w = 75.5;
  d.network_ports = 2;
  d.network_gbps_per_port = 100;
  return d;
}

Plan tiny_plan() {
  Plan p;
  p.model_config = "tiny.yaml";
  p.graph = tiny_graph();
  p.cluster.name = "pair";
  p.cluster.nodes = {{"a", board("b1")}, {"b", board("b2")}};
  p.cluster.network.hop_latency_ns = 512.25;
  p.node_of_kernel.assign(p.graph.kernels.size(), 1);
  p.node_of_kernel[0] = 0;  // the source on a, the rest on b
  p.kernel_id = assign_kernel_ids(p.graph, true);
  p.galapagos = number_galapagos(p.graph, graph::single_cluster_grouping(), p.node_of_kernel);
  p.objective = Objective::manual;
  p.estimate.latency_us = 12.345678901234;
  p.estimate.throughput_seq_per_s = 1.0 / 3.0;
  p.estimate.nodes = {{{.lut = 2, .ff = 3, .dsp = 1, .bram_bytes = 4, .uram_bytes = 5}, 0},
                      {{.lut = 7, .ff = 8, .dsp = 6, .bram_bytes = 9, .uram_bytes = 10}, 32.5}};
  return p;
}

std::string error_of(const nlohmann::json& j) {
  try {
    plan_from_json(j, "p.json");
  } catch (const core::Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Objective, NamesRoundTrip) {
  for (Objective o : {Objective::latency, Objective::throughput, Objective::manual}) {
    EXPECT_EQ(parse_objective(to_string(o), "x"), o);
  }
  EXPECT_STREQ(to_string(Objective::throughput), "throughput");
  EXPECT_THROW(parse_objective("Latency", "x"), core::Error);
}

TEST(KernelIds, ConsecutiveFromOneInGraphOrder) {
  EXPECT_EQ(assign_kernel_ids(tiny_graph(), true),
            (std::vector<std::uint32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
}

TEST(KernelIds, CompatibleModeStopsAt255Kernels) {
  graph::Graph g = tiny_graph();
  for (int i = 0; i < 244; ++i) g.kernels.push_back(g.kernels[1]);  // 256 kernels
  EXPECT_THROW(assign_kernel_ids(g, true), core::Error);
  const auto wide = assign_kernel_ids(g, false);
  EXPECT_EQ(wide.size(), 256u);
  EXPECT_EQ(wide.back(), 256u);
  g.kernels.pop_back();  // 255 kernels: IDs 1..255 fit
  EXPECT_EQ(assign_kernel_ids(g, true).back(), 255u);
}

TEST(RoutingTable, MapsEveryIdToItsNodeAndReservesZero) {
  EXPECT_EQ(routing_table(tiny_plan()), (std::vector<int>{-1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}));
}

TEST(PlanJson, RoundTripIsEqualAndByteIdentical) {
  const Plan p = tiny_plan();
  const auto path = std::filesystem::path(::testing::TempDir()) / "tiny_plan.json";
  save_plan(p, path);
  const Plan back = load_plan(path);
  EXPECT_EQ(back, p);
  EXPECT_EQ(back.cluster.nodes[0].device.kernel_clock_mhz, 199.498);
  EXPECT_EQ(plan_text(back), plan_text(p));
}

TEST(PlanJson, WritesTheGalapagosNumbering) {
  const nlohmann::json j = to_json(tiny_plan());
  EXPECT_EQ(j["version"], 2);
  const nlohmann::json& g = j["galapagos"];
  EXPECT_EQ(
      g["grouping"],
      nlohmann::json::array({nlohmann::json(
          {"attention_0", "attention_1", "attention_2", "attention_output_0", "attention_output_1",
           "intermediate_0", "intermediate_output_0", "intermediate_output_1"})}));
  ASSERT_EQ(g["clusters"].size(), 1u);
  EXPECT_EQ(g["clusters"][0]["layer"], 0);
  EXPECT_EQ(g["clusters"][0]["sublayers"], g["grouping"][0]);
  // One head: q 1, k 2, v 3, attention 4, context 5, out_proj 6, LN1 7, FFN1 8, FFN2 9, LN2 10,
  // input broadcast 11 (fed by the host, [-1, 10]), scatters 12..14, gather 15, broadcast 16.
  const nlohmann::json& k = g["clusters"][0]["kernels"];
  ASSERT_EQ(k.size(), 17u);
  EXPECT_EQ(k[0], nlohmann::json::parse(
                      R"({"id": 0, "kind": "gmi", "node": "b", "dests": [], "sources": []})"));
  EXPECT_EQ(k[1], nlohmann::json::parse(R"({"id": 1, "kind": "compute", "kernel": "l0.q",
      "node": "b", "dests": [[0, 12]], "sources": [[0, 11]]})"));
  EXPECT_EQ(k[10]["dests"], nlohmann::json::parse("[[-1, 11]]"));
  EXPECT_EQ(k[11], nlohmann::json::parse(R"({"id": 11, "kind": "virtual", "op": "broadcast",
      "node": "b", "dests": [[0, 1], [0, 2], [0, 3], [0, 7]], "sources": [[-1, 10]]})"));
  EXPECT_EQ(k[16]["op"], "broadcast");
  EXPECT_EQ(k[16]["dests"], nlohmann::json::parse("[[0, 8], [0, 10]]"));
}

TEST(PlanJson, VersionOneFilesGetThePublishedGrouping) {
  nlohmann::json j = to_json(tiny_plan());
  j.erase("galapagos");
  j["version"] = 1;
  EXPECT_EQ(plan_from_json(j, "v1.json"), tiny_plan());
  j["version"] = 3;
  EXPECT_EQ(error_of(j), "p.json.version: 3 is not supported (expected 1 or 2)");
  j["version"] = 2;
  EXPECT_EQ(error_of(j), "p.json.galapagos: missing field");
}

TEST(PlanJson, SavingNeedsTheNumbering) {
  Plan p = tiny_plan();
  p.galapagos = {};
  const auto path = std::filesystem::path(::testing::TempDir()) / "unnumbered.json";
  try {
    save_plan(p, path);
    ADD_FAILURE() << "saved a plan without numbering";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::internal);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(MakePlan, NumbersTheGrouping) {
  const Plan base = tiny_plan();
  const graph::Grouping two = {
      {graph::Sublayer::attention_0, graph::Sublayer::attention_1, graph::Sublayer::attention_2,
       graph::Sublayer::attention_output_0, graph::Sublayer::attention_output_1},
      {graph::Sublayer::intermediate_0, graph::Sublayer::intermediate_output_0,
       graph::Sublayer::intermediate_output_1}};
  const Plan p = make_plan(base.model_config, base.graph, base.cluster, base.node_of_kernel,
                           base.estimate, base.objective, two);
  EXPECT_EQ(p.galapagos, number_galapagos(base.graph, two, base.node_of_kernel));
  EXPECT_EQ(p.galapagos.clusters.size(), 2u);
  EXPECT_EQ(make_plan(base.model_config, base.graph, base.cluster, base.node_of_kernel,
                      base.estimate, base.objective)
                .galapagos,
            base.galapagos);
  // The legacy flat IDs stay as they were.
  EXPECT_EQ(p.kernel_id, base.kernel_id);
  EXPECT_TRUE(p.galapagos_compatible_ids);
}

TEST(PlanJson, LoadNamesTheBadField) {
  const nlohmann::json good = to_json(tiny_plan());
  {
    auto j = good;
    j["cluster"]["nodes"][1]["device"].erase("dsp");
    EXPECT_EQ(error_of(j), "p.json.cluster.nodes[1].device.dsp: missing field");
  }
  {
    auto j = good;
    j["cluster"]["nodes"][0]["device"]["lut"] = "many";
    EXPECT_EQ(error_of(j), "p.json.cluster.nodes[0].device.lut: expected an integer, got \"many\"");
  }
  {
    auto j = good;
    j["placement"][1]["node"] = "zz";
    EXPECT_EQ(error_of(j), "p.json.placement[1].node: kernel 'l0.q' on unknown node 'zz'");
  }
  {
    auto j = good;
    j["placement"][2]["kernel"] = "l0.ffn2";
    EXPECT_EQ(error_of(j), "p.json.placement[2].kernel: 'l0.ffn2' but graph kernel 2 is 'l0.k'");
  }
  {
    auto j = good;
    j["placement"][2]["id"] = 2;
    EXPECT_EQ(error_of(j), "p.json: kernel 'l0.k': ID 2 used twice");
  }
  {
    auto j = good;
    j["routing"][0]["node"] = "b";
    EXPECT_EQ(error_of(j), "p.json.routing[0]: ID 1 -> node 'b' disagrees with the placement");
  }
  {
    auto j = good;
    j["cluster"]["nodes"][1]["name"] = "a";
    EXPECT_EQ(error_of(j), "p.json.cluster.nodes[1].name: duplicate node name 'a'");
  }
  {
    auto j = good;
    j["objective"] = "speed";
    EXPECT_EQ(error_of(j), "p.json: objective: 'speed' is not latency, throughput or manual");
  }
  {
    auto j = good;
    j["cluster"]["nodes"][0]["device"]["network_ports"] = 4294967296;  // was cut to 0
    EXPECT_EQ(error_of(j),
              "p.json.cluster.nodes[0].device.network_ports: expected an integer in [0, 1024], got "
              "4294967296");
  }
  {
    auto j = good;
    j["cluster"]["nodes"][0]["device"]["kernel_clock_mhz"] = 1e-300;  // ran faster than 200 MHz
    EXPECT_EQ(error_of(j),
              "p.json.cluster.nodes[0].device.kernel_clock_mhz: expected a number in [1, 10000], "
              "got 1e-300");
  }
  {
    auto j = good;
    j["cluster"]["nodes"][1]["device"]["dsp_kind"] = "dsp99";
    EXPECT_EQ(
        error_of(j),
        "p.json.cluster.nodes[1].device.dsp_kind: expected one of dsp48e2,dsp58, got 'dsp99'");
  }
  {
    auto j = good;
    j["estimate"]["nodes"][0]["dsp"] = -1;
    EXPECT_EQ(error_of(j),
              "p.json.estimate.nodes[0].dsp: expected an integer in [0, 1125899906842624], got -1");
  }
  {
    auto j = good;
    j["estimate"]["nodes"].erase(1);
    EXPECT_EQ(error_of(j), "p.json.estimate.nodes: 1 entries for 2 cluster nodes");
  }
  {
    // A direct link to node 2^32 was read as int and ran as a link to node 0.
    auto j = good;
    j["cluster"]["network"]["links"] = nlohmann::json::array({{0, 4294967296ULL}});
    EXPECT_EQ(error_of(j),
              "p.json.cluster.network.links[0]: expected [a, b] with node indices below 2, got "
              "[0,4294967296]");
  }
}

TEST(PlanJson, RejectsACyclicGraph) {
  auto j = to_json(tiny_plan());
  // ffn1 feeding itself: a second producer on its port 0 that closes a loop.
  j["graph"]["streams"].push_back({{"producer", "l0.ffn1"},
                                   {"consumer", "l0.ffn1"},
                                   {"pattern", "send"},
                                   {"bytes_per_token", 64},
                                   {"port", 0}});
  const std::string e = error_of(j);
  EXPECT_EQ(e.rfind("p.json.graph: ", 0), 0u) << e;
  EXPECT_NE(e.find("cycle through kernels"), std::string::npos) << e;
}

TEST(PlanValidate, RejectsWideIdsInCompatibleMode) {
  Plan p = tiny_plan();
  p.kernel_id.back() = 300;
  EXPECT_THROW(validate(p, "x"), core::Error);
}

TEST(GalapagosXml, MapFileListsIdsPerNode) {
  EXPECT_EQ(galapagos_map_xml(tiny_plan()),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<cluster>\n"
            "    <!-- a (b1) -->\n"
            "    <node>\n"
            "        <type> hw </type>\n"
            "        <board> b1 </board>\n"
            "        <comm> udp </comm>\n"
            "        <kernel> 1 </kernel>\n"
            "        <mac> 02:00:00:00:00:01 </mac>\n"
            "        <ip> 10.0.0.1 </ip>\n"
            "    </node>\n"
            "    <!-- b (b2) -->\n"
            "    <node>\n"
            "        <type> hw </type>\n"
            "        <board> b2 </board>\n"
            "        <comm> udp </comm>\n"
            "        <kernel> 2 </kernel>\n"
            "        <kernel> 3 </kernel>\n"
            "        <kernel> 4 </kernel>\n"
            "        <kernel> 5 </kernel>\n"
            "        <kernel> 6 </kernel>\n"
            "        <kernel> 7 </kernel>\n"
            "        <kernel> 8 </kernel>\n"
            "        <kernel> 9 </kernel>\n"
            "        <kernel> 10 </kernel>\n"
            "        <kernel> 11 </kernel>\n"
            "        <kernel> 12 </kernel>\n"
            "        <mac> 02:00:00:00:00:02 </mac>\n"
            "        <ip> 10.0.0.2 </ip>\n"
            "    </node>\n"
            "</cluster>\n");
}

TEST(GalapagosXml, LogicalFileHasOneKernelPerId) {
  const std::string x = galapagos_logical_xml(tiny_plan());
  const std::string second =
      "    <!-- l0.q -->\n"
      "    <kernel> kern_2\n"
      "        <num> 2 </num>\n"
      "        <rep> 1 </rep>\n"
      "        <clk> ap_clk </clk>\n"
      "        <aresetn> ap_rst_n </aresetn>\n"
      "        <type> ip </type>\n"
      "        <s_axis>\n"
      "            <scope> global </scope>\n"
      "            <name> in_r </name>\n"
      "        </s_axis>\n"
      "        <m_axis>\n"
      "            <scope> global </scope>\n"
      "            <name> out_r </name>\n"
      "        </m_axis>\n"
      "    </kernel>\n";
  EXPECT_NE(x.find(second), std::string::npos) << x;
  EXPECT_EQ(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<cluster>\n", 0), 0u);
  EXPECT_EQ(x.substr(x.size() - 11), "</cluster>\n");
  std::size_t kernels = 0;
  for (auto at = x.find("<kernel>"); at != std::string::npos; at = x.find("<kernel>", at + 1)) {
    ++kernels;
  }
  EXPECT_EQ(kernels, 12u);
}

TEST(GalapagosXml, RefusesWideIds) {
  Plan p = tiny_plan();
  p.galapagos_compatible_ids = false;
  EXPECT_THROW(write_galapagos_xml(p, ::testing::TempDir()), core::Error);
}

}  // namespace
}  // namespace atl::plan
