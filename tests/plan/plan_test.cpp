#include "plan/plan.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "graph/arch_ibert.h"
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
  return graph::build_graph(c);
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

TEST(KernelIds, ComputeKernelsFromOneInGraphOrderTheHostHasNone) {
  const Plan p = tiny_plan();
  std::vector<GalapagosAddress> want{{GalapagosAddress::kHost, 0}};
  for (std::uint32_t id = 1; id <= 10; ++id) want.push_back({0, id});
  want.push_back({GalapagosAddress::kHost, 0});
  EXPECT_EQ(graph_kernel_addresses(p.galapagos, p.graph.kernels.size()), want);
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
  EXPECT_EQ(j["version"], 3);
  // No flat IDs any more: a placement entry is kernel -> node, and there is no routing table.
  EXPECT_EQ(j["placement"][1], nlohmann::json::parse(R"({"kernel": "l0.q", "node": "b"})"));
  EXPECT_FALSE(j.contains("routing"));
  EXPECT_FALSE(j.contains("galapagos_compatible_ids"));
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

// Versions 1 and 2 carried flat kernel IDs (placement[].id, "routing",
// "galapagos_compatible_ids"): they are read ignoring them, whatever they say.
nlohmann::json with_flat_ids(nlohmann::json j, int version) {
  j["version"] = version;
  j["galapagos_compatible_ids"] = true;
  for (std::size_t k = 0; k < j["placement"].size(); ++k) j["placement"][k]["id"] = 7;
  j["routing"] = nlohmann::json::array({{{"id", 1}, {"node", "zz"}}});
  return j;
}

TEST(PlanJson, OlderVersionsAreReadIgnoringTheFlatIds) {
  nlohmann::json j = to_json(tiny_plan());
  EXPECT_EQ(plan_from_json(with_flat_ids(j, 2), "v2.json"), tiny_plan());
  j.erase("galapagos");  // version 1 had no numbering: the published grouping's is computed
  EXPECT_EQ(plan_from_json(with_flat_ids(j, 1), "v1.json"), tiny_plan());
  j["version"] = 4;
  EXPECT_EQ(error_of(j), "p.json.version: 4 is not supported (expected 1 to 3)");
  j["version"] = 0;
  EXPECT_EQ(error_of(j), "p.json.version: 0 is not supported (expected 1 to 3)");
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
    j["cluster"]["nodes"][1]["name"] = "a";
    EXPECT_EQ(error_of(j), "p.json.cluster.nodes[1].name: duplicate node name 'a'");
  }
  {
    auto j = good;
    j["objective"] = "speed";
    EXPECT_EQ(error_of(j), "p.json: objective: 'speed' is not latency, throughput, manual or ttft");
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

}  // namespace
}  // namespace atl::plan
