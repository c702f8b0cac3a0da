#include "plan/plan.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "graph/encoder.h"
#include "plan/json.h"

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

}  // namespace
}  // namespace atl::plan
