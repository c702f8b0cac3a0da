// Hostile plans: each is a copy of a valid plan with one edit a user (or a broken tool) could
// make. Each would run to a wrong answer, or crash, if loaded; each must be refused with an error
// that names the file, the JSON path, the value found and the one expected.
#include "plan/check.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "graph/arch_ibert.h"
#include "hw/device.h"
#include "plan/json.h"

namespace atl::plan {
namespace {

namespace ibert = graph::ibert;

using nlohmann::json;

const std::string kWhy =
    " (a plan's graph must be the I-BERT encoder that its model shape and layer-0 knobs build)";

// Two layers, two heads, FFN1 split in two parts: the heads and the FFN1 parts are gathered.
// Kernels: 0 source; layer 0 = 1 q, 2 k, 3 v, 4 h0.attention, 5 h0.context, 6 h1.attention,
// 7 h1.context, 8 out_proj, 9 ln_attn, 10 ffn1.p0, 11 ffn1.p1, 12 ffn2, 13 ln_ffn; layer 1 =
// 14..26; 27 sink.
Plan tiny_plan() {
  model::ModelConfig c;
  c.name = "tiny";
  c.layers = 2;
  c.hidden = 128;
  c.heads = 2;
  c.intermediate = 256;
  c.seq_len = 16;
  graph::KnobMap knobs = graph::ibert::default_knobs();
  knobs[ibert::ffn1].partition = 2;
  Plan p;
  p.model_config = "tiny.yaml";
  p.graph = graph::build_graph(c, knobs);
  p.cluster.name = "one";
  p.cluster.nodes = {{"a", hw::load_catalogue(hw::default_catalogue_dir()).at("sidewinder-100")}};
  p.node_of_kernel.assign(p.graph.kernels.size(), 0);
  p.galapagos = number_galapagos(p.graph, graph::single_cluster_grouping(), p.node_of_kernel);
  p.objective = Objective::manual;
  p.estimate.nodes.resize(1);
  return p;
}

// check_meaning on a plan built in code (no JSON reader in front of it).
std::string meaning_error(const Plan& p) {
  try {
    check_meaning(p, "x");
  } catch (const core::Error& e) {
    return e.what();
  }
  return "no error";
}

std::string error_of(const json& j) {
  try {
    plan_from_json(j, "p.json");
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::invalid_input) << e.what();
    return e.what();
  }
  return "no error";
}

std::size_t stream_index(const json& j, const std::string& producer, const std::string& consumer) {
  const json& streams = j["graph"]["streams"];
  for (std::size_t i = 0; i < streams.size(); ++i) {
    if (streams[i]["producer"] == producer && streams[i]["consumer"] == consumer) return i;
  }
  ADD_FAILURE() << "no stream " << producer << " -> " << consumer;
  return 0;
}

const std::string kNumberingWhy =
    " (a plan's Galapagos numbering must be the one Cluster Builder's rules give for its graph, "
    "grouping and placement, docs/galapagos.md)";

// Swaps the Galapagos IDs of graph kernels `a` and `b` (in cluster `cluster` of the numbering):
// each compute kernel entry names the other's graph kernel.
void swap_ids(json& j, int cluster, const std::string& a, const std::string& b) {
  json* x = nullptr;
  json* y = nullptr;
  for (json& k : j["galapagos"]["clusters"][cluster]["kernels"]) {
    if (k.value("kernel", "") == a) x = &k;
    if (k.value("kernel", "") == b) y = &k;
  }
  ASSERT_TRUE(x && y) << a << ", " << b;
  std::swap((*x)["kernel"], (*y)["kernel"]);
}

TEST(PlanCheck, TheBuiltPlanLoads) {
  EXPECT_EQ(error_of(to_json(tiny_plan())), "no error");
  EXPECT_NO_THROW(check_meaning(tiny_plan(), "x"));
}

TEST(PlanCheck, SwappedHeadIdsWouldPermuteTheHeads) {
  json j = to_json(tiny_plan());
  // l0.h0.context <-> l0.h1.context, both gathered by the comm kernel that feeds l0.out_proj.
  swap_ids(j, 0, "l0.h0.context", "l0.h1.context");
  EXPECT_EQ(
      error_of(j),
      "p.json: galapagos.clusters[0].kernels[6].kernel: 'l0.h1.context', expected 'l0.h0.context'" +
          kNumberingWhy);
}

TEST(PlanCheck, SwappedPartIdsWouldPermuteTheFfnRow) {
  json j = to_json(tiny_plan());
  swap_ids(j, 1, "l1.ffn1.p0", "l1.ffn1.p1");  // gathered for l1.ffn2
  EXPECT_EQ(
      error_of(j),
      "p.json: galapagos.clusters[1].kernels[10].kernel: 'l1.ffn1.p1', expected 'l1.ffn1.p0'" +
          kNumberingWhy);
}

TEST(PlanCheck, AnEditedDestIsRefused) {
  json j = to_json(tiny_plan());
  json& q = j["galapagos"]["clusters"][0]["kernels"][1];  // l0.q, to the Q scatter
  q["dests"][0][1] = q["dests"][0][1].get<int>() + 1;     // to the K scatter instead
  EXPECT_EQ(error_of(j),
            "p.json: galapagos.clusters[0].kernels[1].dests: [[0,16]], expected [[0,15]]" +
                kNumberingWhy);
}

TEST(PlanCheck, EditedRole) {
  json j = to_json(tiny_plan());
  j["graph"]["kernels"][14]["role"] = "k";  // l1.q would run K's weights
  EXPECT_EQ(error_of(j), "p.json: graph.kernels[14].role: 'k', expected 'q'" + kWhy);
  // In layer 0, which the knobs are read from, the role goes missing.
  j = to_json(tiny_plan());
  j["graph"]["kernels"][1]["role"] = "k";
  EXPECT_EQ(error_of(j), "p.json: graph.kernels: graph 'tiny': no layer-0 kernel of role 'q'");
}

TEST(PlanCheck, MoreLayersThanKernels) {
  json j = to_json(tiny_plan());
  j["graph"]["layers"] = 3;  // the nodes would run two layers of a three-layer model
  EXPECT_EQ(error_of(j),
            "p.json: graph.kernels: 28 kernels, but graph.layers 3 with graph.heads 2 and the "
            "layer-0 partitions make an encoder of 41" +
                kWhy);
  // The graph reader stops such a value first; check_meaning (for plans built in code) counts
  // the kernels of a huge model without building it.
  j["graph"]["layers"] = 2147483647;
  EXPECT_EQ(error_of(j), "p.json.graph.layers: expected an integer in [1, 1024], got 2147483647");
  Plan p = tiny_plan();
  p.graph.layers = 2147483647;
  EXPECT_EQ(meaning_error(p),
            "x: graph.kernels: 28 kernels, but graph.layers 2147483647 with graph.heads 2 and "
            "the layer-0 partitions make an encoder of 27917287413" +
                kWhy);
  p.graph.layers = 2147483648;
  EXPECT_EQ(meaning_error(p), "x: graph.layers: 2147483648 is outside 1..2147483647");
}

TEST(PlanCheck, ShapeBeforeAnyDivision) {
  json j = to_json(tiny_plan());
  j["graph"]["heads"] = 0;
  EXPECT_EQ(error_of(j), "p.json.graph.heads: expected an integer in [1, 128], got 0");
  Plan p = tiny_plan();
  p.graph.heads = 0;
  EXPECT_EQ(meaning_error(p), "x: graph.heads: 0 is outside 1..2147483647");
  j["graph"]["heads"] = 3;
  EXPECT_EQ(error_of(j), "p.json: graph.hidden: 128 is not a multiple of graph.heads (3)");
  j["graph"]["heads"] = 4;  // head_dim 32: every per-head stage and slice is off
  EXPECT_EQ(error_of(j),
            "p.json: graph.kernels: 28 kernels, but graph.layers 2 with graph.heads 4 and the "
            "layer-0 partitions make an encoder of 36" +
                kWhy);
  j = to_json(tiny_plan());
  j["graph"]["intermediate"] = -256;
  EXPECT_EQ(error_of(j), "p.json.graph.intermediate: expected an integer in [1, 131072], got -256");
  j["graph"]["intermediate"] = 512;
  EXPECT_EQ(error_of(j), "p.json: graph.kernels[10].out_bytes_per_token: 128, expected 256" + kWhy);
}

TEST(PlanCheck, StreamRepointed) {
  json j = to_json(tiny_plan());
  // Head 1's keys from the Q kernel: structurally fine, numerically a different attention.
  const std::size_t i = stream_index(j, "l0.k", "l0.h1.attention");
  j["graph"]["streams"][i]["producer"] = "l0.q";
  EXPECT_EQ(error_of(j),
            fmt::format("p.json: graph.streams[{}].producer: 'l0.q', expected 'l0.k'", i) + kWhy);
}

TEST(PlanCheck, StreamAdded) {
  json j = to_json(tiny_plan());
  // A second producer on l0.h0.attention's port 0 makes it a gather of two.
  j["graph"]["streams"].push_back({{"producer", "source"},
                                   {"consumer", "l0.h0.attention"},
                                   {"pattern", "gather"},
                                   {"bytes_per_token", 64},
                                   {"port", 0}});
  EXPECT_EQ(error_of(j), "p.json: graph.streams: 44 entries, expected 43" + kWhy);
}

TEST(PlanCheck, StreamRemoved) {
  // Every stream of the encoder is the only feed of a port or the only reader of an output, so
  // the graph's own check refuses a removed one.
  json j = to_json(tiny_plan());
  j["graph"]["streams"].erase(stream_index(j, "source", "l0.ln_attn"));
  EXPECT_EQ(error_of(j),
            "p.json.graph: graph 'tiny': kernel 'l0.ln_attn': input port 1 is dangling");
  j = to_json(tiny_plan());
  j["graph"]["streams"].erase(stream_index(j, "l0.h1.context", "l0.out_proj"));
  EXPECT_EQ(error_of(j),
            "p.json.graph: graph 'tiny': kernel 'l0.h1.context': output is dangling (no stream "
            "reads it)");
}

TEST(PlanCheck, KnobsThatChangeTheShapes) {
  json j = to_json(tiny_plan());
  j["graph"]["kernels"][14]["stages"][0]["tile"] = 4;  // l1.q differs from the layer-0 knobs
  EXPECT_EQ(error_of(j), "p.json: graph.kernels[14].stages[0].tile: 4, expected 2" + kWhy);
  j = to_json(tiny_plan());
  j["graph"]["kernels"][1]["stages"][0]["m"] = 64;  // l0.q computing half its rows
  EXPECT_EQ(error_of(j), "p.json: graph.kernels[1].stages[0].m: 64, expected 128" + kWhy);
  j = to_json(tiny_plan());
  j["graph"]["kernels"][10]["parts"] = 1;  // the layer-0 knobs now say FFN1 is not split
  EXPECT_EQ(error_of(j),
            "p.json: graph.kernels: 28 kernels, but graph.layers 2 with graph.heads 2 and the "
            "layer-0 partitions make an encoder of 26" +
                kWhy);
  j = to_json(tiny_plan());
  j["graph"]["kernels"][14]["stages"].erase(1);  // l1.q without its quant_act
  EXPECT_EQ(error_of(j), "p.json: graph.kernels[14].stages: 1 entries, expected 2" + kWhy);
  j = to_json(tiny_plan());
  j["graph"]["kernels"][14]["stages"][1]["type"] = "gelu";
  EXPECT_EQ(error_of(j),
            "p.json: graph.kernels[14].stages[1].type: 'gelu', expected 'quant_act'" + kWhy);
  j = to_json(tiny_plan());
  j["graph"]["kernels"][1]["stages"].erase(1);  // l0.q, where the knobs are read
  EXPECT_EQ(error_of(j),
            "p.json: graph.kernels: knobs of role 'q': 1 stages given, its kernels have 2");
  j = to_json(tiny_plan());
  j["graph"]["kernels"][2]["parts"] = 3;  // l0.k in three parts of 128 rows
  j["graph"]["kernels"][2]["part"] = 0;
  EXPECT_EQ(error_of(j),
            "p.json: graph.kernels: knobs of role 'k': partition 3 must divide the 128 output "
            "rows");
}

// Every one-field edit of a kernel or a stream changes what the plan describes, so every one is
// refused, and the message starts with the file (never an internal name such as 'LinearPlan').
TEST(PlanCheck, EveryKernelOrStreamEditIsRefusedNamingTheFile) {
  const json good = to_json(tiny_plan());
  const json& kernels = good["graph"]["kernels"];
  const json& streams = good["graph"]["streams"];
  int edits = 0;
  auto refused = [&](const json& j, const std::string& what) {
    ++edits;
    const std::string e = error_of(j);
    EXPECT_EQ(e.rfind("p.json", 0), 0u) << what << ": " << e;
  };
  for (std::size_t i = 0; i < kernels.size(); ++i) {
    for (const char* field : {"layer", "head", "part", "parts", "out_bytes_per_token"}) {
      json j = good;
      j["graph"]["kernels"][i][field] = kernels[i][field].get<std::int64_t>() + 1;
      refused(j, fmt::format("kernels[{}].{} + 1", i, field));
    }
    for (const char* dtype : {"int8", "uint8", "int32"}) {
      if (kernels[i]["out_dtype"] == dtype) continue;
      json j = good;
      j["graph"]["kernels"][i]["out_dtype"] = dtype;
      refused(j, fmt::format("kernels[{}].out_dtype = {}", i, dtype));
    }
    for (graph::Role r : graph::compute_roles(model::Architecture::ibert_encoder)) {
      if (kernels[i]["role"] == graph::to_string(r)) continue;
      json j = good;
      j["graph"]["kernels"][i]["role"] = graph::to_string(r);
      refused(j, fmt::format("kernels[{}].role = {}", i, graph::to_string(r)));
    }
  }
  for (std::size_t i = 0; i < streams.size(); ++i) {
    auto edit = [&](const char* field, const json& value) {
      json j = good;
      j["graph"]["streams"][i][field] = value;
      refused(j, fmt::format("streams[{}].{} = {}", i, field, value.dump()));
    };
    edit("bytes_per_token", streams[i]["bytes_per_token"].get<std::int64_t>() + 1);
    edit("port", 1 - streams[i]["port"].get<int>());
    for (const char* p : {"send", "bcast", "scatter", "gather", "reduce"}) {
      if (streams[i]["pattern"] != p) edit("pattern", p);
    }
    for (const char* end : {"producer", "consumer"}) {
      for (std::size_t k : {std::size_t{1}, kernels.size() - 1}) {  // the kernels next to it
        for (std::size_t at = 0; at < kernels.size(); ++at) {
          if (kernels[at]["name"] != streams[i][end]) continue;
          edit(end, kernels[(at + k) % kernels.size()]["name"]);
        }
      }
    }
  }
  EXPECT_EQ(edits, 28 * 5 + 28 * 2 + 28 * 10 - 26 + 43 * (2 + 4 + 4));
}

// The numbering is recomputed from graph, grouping and placement; a file whose numbering says
// anything else is refused at the first field that differs.
TEST(PlanCheck, EditedNumbering) {
  const std::string why =
      " (a plan's Galapagos numbering must be the one Cluster Builder's rules give for its graph, "
      "grouping and placement, docs/galapagos.md)";
  json j = to_json(tiny_plan());
  // Layer 1's Q (ID 1 of cluster 1) sending to K's scatter.
  ASSERT_EQ(j["galapagos"]["clusters"][1]["kernels"][1]["dests"], json::parse("[[1, 15]]"));
  j["galapagos"]["clusters"][1]["kernels"][1]["dests"][0][1] = 16;
  EXPECT_EQ(error_of(j),
            "p.json: galapagos.clusters[1].kernels[1].dests: [[1,16]], expected [[1,15]]" + why);
  j = to_json(tiny_plan());
  j["galapagos"]["clusters"][0]["kernels"][2]["kernel"] = "l0.q";
  EXPECT_EQ(error_of(j),
            "p.json: galapagos.clusters[0].kernels[2].kernel: 'l0.q', expected 'l0.k'" + why);
  j = to_json(tiny_plan());
  j["galapagos"]["clusters"][0]["kernels"][18]["op"] = "broadcast";  // the heads' gather
  EXPECT_EQ(error_of(j),
            "p.json: galapagos.clusters[0].kernels[18].op: broadcast, expected gather" + why);
  // Another grouping with the numbering of the published one.
  j = to_json(tiny_plan());
  j["galapagos"]["grouping"] = json::parse(
      R"([["attention_0", "attention_1", "attention_2", "attention_output_0",
           "attention_output_1"], ["intermediate_0", "intermediate_output_0",
           "intermediate_output_1"]])");
  EXPECT_EQ(error_of(j), "p.json: galapagos.clusters: 2 entries, expected 4 entries" + why);
  j["galapagos"]["grouping"][1][0] = "intermediate_7";
  EXPECT_EQ(error_of(j),
            "p.json.galapagos.grouping[1][0]: unknown sub-layer 'intermediate_7' (expected one "
            "of: attention_0, attention_1, attention_2, attention_output_0, attention_output_1, "
            "intermediate_0, intermediate_output_0, intermediate_output_1)");
  j["galapagos"]["grouping"][1][0] = "intermediate_output_0";
  EXPECT_EQ(error_of(j),
            "p.json: galapagos.grouping[1]: sub-layer 'intermediate_output_0' is in more than "
            "one group");
  j = to_json(tiny_plan());
  j["galapagos"]["clusters"][0]["kernels"][3]["sources"][0] = json::parse("[0, 256]");
  EXPECT_EQ(error_of(j),
            "p.json.galapagos.clusters[0].kernels[3].sources[0]: expected [cluster, id] with "
            "cluster -1 (the host) or a cluster index and id 0..255, got [0,256]");
  j = to_json(tiny_plan());
  j["galapagos"]["clusters"] = json::array();
  EXPECT_EQ(error_of(j), "p.json.galapagos.clusters: no clusters");
}

TEST(PlanCheck, SavingRefusesAWrongPlanToo) {
  Plan p = tiny_plan();
  p.graph.kernels[4].head = 1;  // l0.h0.attention claims head 1
  const auto path = std::filesystem::path(::testing::TempDir()) / "atoll_check_wrong_plan.json";
  std::filesystem::remove(path);
  try {
    save_plan(p, path);
    ADD_FAILURE() << "saved a wrong plan";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.what(), path.string() + ": graph.kernels[4].head: 1, expected 0" + kWhy);
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace atl::plan
