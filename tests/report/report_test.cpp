#include "report/report.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../sim/tiny_plans.h"
#include "core/error.h"
#include "graph/arch_ibert.h"
#include "plan/make_plan.h"
#include "plan/plan.h"

namespace atl::report {
namespace {

model::ModelConfig bert(std::int64_t layers, std::int64_t hidden, std::int64_t heads) {
  model::ModelConfig c;
  c.name = "bert";
  c.layers = layers;
  c.hidden = hidden;
  c.heads = heads;
  c.intermediate = 4 * hidden;
  c.seq_len = 128;
  return c;
}

// hardware-numbers.md §5.1: per layer 12 S d^2 + 2 S^2 d MACs; 4 d^2 + 2 d (4d) weights.
TEST(Work, BertBaseAndLargeMatchTheClosedForm) {
  const Work base = work_of(graph::build_graph(bert(12, 768, 12)));
  EXPECT_EQ(base.macs, 11'173'625'856.0);
  EXPECT_EQ(base.weight_bytes, 84'934'656.0);
  const Work large = work_of(graph::build_graph(bert(24, 1024, 16)));
  EXPECT_EQ(large.macs, 39'460'012'032.0);
}

// max(2 * 1e10 / 100e12 s, 1e8 / 1000e9 s) = max(0.2 ms, 0.1 ms).
TEST(Baselines, RooflineIsTheSlowerOfComputeAndWeights) {
  PeakDevice d{.name = "x",
               .kind = SystemKind::gpu,
               .int8_tops_dense = 100,
               .mem_gbps = 1000,
               .tdp_w = 300,
               .source = "s",
               .grade = "V"};
  EXPECT_DOUBLE_EQ(roofline_ms({1e10, 1e8}, d), 0.2);
  d.mem_gbps = 100;  // 1e8 / 100e9 = 1 ms
  EXPECT_DOUBLE_EQ(roofline_ms({1e10, 1e8}, d), 1.0);
}

std::filesystem::path write(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path;
}

TEST(Baselines, LoadsEntriesAndDevices) {
  const auto path = write("atoll_baselines_ok.yaml", R"(
baselines:
  - {name: a, device: g, model: bert-base, seq_len: 128, batch: 1, latency_ms: 0.5, power_w: 300, precision: int8, source: "s", grade: M}
  - {name: b, device: g, model: bert-large, seq_len: 384, batch: null, throughput_seq_s: 9000, power_w: 700, source: "s", grade: M, note: "n"}
devices:
  - {name: g, int8_tops_dense: 100, mem_gbps: 1000, tdp_w: 300, source: "s", grade: V}
)");
  const Baselines b = load_baselines(path, SystemKind::gpu);
  ASSERT_EQ(b.entries.size(), 2u);
  EXPECT_EQ(b.entries[0].kind, SystemKind::gpu);
  EXPECT_EQ(*b.entries[0].batch, 1);
  EXPECT_DOUBLE_EQ(*b.entries[0].latency_ms, 0.5);
  EXPECT_FALSE(b.entries[1].batch);
  EXPECT_FALSE(b.entries[1].latency_ms);
  EXPECT_DOUBLE_EQ(*b.entries[1].throughput_seq_s, 9000);
  ASSERT_EQ(b.devices.size(), 1u);
  EXPECT_DOUBLE_EQ(b.devices[0].mem_gbps, 1000);
}

void expect_error(const std::string& yaml, const std::string& fragment) {
  const auto path = write("atoll_baselines_bad.yaml", yaml);
  try {
    load_baselines(path, SystemKind::gpu);
    FAIL() << "expected an error with '" << fragment << "'";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Baselines, ErrorsNameTheEntryAndField) {
  expect_error(
      "baselines:\n  - {name: a, device: g, model: m, seq_len: 128, batch: 1, "
      "latency_ms: 1, power_w: 1, grade: M}\n",
      "baselines[0] (a): missing field 'source'");
  expect_error(
      "baselines:\n  - {name: a, device: g, model: m, seq_len: 128, batch: 1, "
      "power_w: 1, source: s, grade: M}\n",
      "baselines[0] (a): needs latency_ms or throughput_seq_s");
  expect_error(
      "baselines:\n  - {name: a, device: g, model: m, seq_len: 128, batch: 1, "
      "latency_ms: 1, power_w: 0, source: s, grade: M}\n",
      "field 'power_w' must be > 0, got 0");
  expect_error(
      "baselines:\n  - {name: a, device: g, model: m, seq_len: 128, batch: 1, "
      "latency_ms: fast, power_w: 1, source: s, grade: M}\n",
      "field 'latency_ms' must be a number, got 'fast'");
  expect_error("nothing: here\n", "expected a 'baselines:' list");
}

FpgaResult fpga() {
  FpgaResult f;
  f.model = "bert-base";
  f.seq_len = 128;
  f.latency_ms = 0.5;
  f.throughput_seq_per_s = 4000;
  f.energy_mj = 10;
  f.energy_stream_mj = 2.5;
  f.work = {1e10, 1e8};
  return f;
}

Baseline entry(std::string name, std::string model, std::int64_t seq, std::optional<int> batch,
               std::optional<double> latency, std::optional<double> thr, double watts) {
  Baseline b;
  b.name = std::move(name);
  b.kind = SystemKind::gpu;
  b.device = "g";
  b.model = std::move(model);
  b.seq_len = seq;
  if (batch) b.batch = *batch;
  b.latency_ms = latency;
  b.throughput_seq_s = thr;
  b.power_w = watts;
  b.grade = "M";
  return b;
}

TEST(Compare, RatiosByHand) {
  Baselines b;
  b.entries = {entry("same", "bert-base", 128, 1, 1.0, std::nullopt, 400),
               entry("longer", "bert-base", 384, 1, 2.0, std::nullopt, 400),
               entry("mlperf", "bert-large", 384, std::nullopt, std::nullopt, 9000, 700),
               entry("large", "bert-large", 128, 1, 1.0, std::nullopt, 400)};
  b.devices = {{.name = "g",
                .kind = SystemKind::gpu,
                .int8_tops_dense = 100,
                .mem_gbps = 1000,
                .tdp_w = 300,
                .source = "s",
                .grade = "V"}};
  Inputs in;
  in.cpu_ms = 50;
  in.cpu_w = 65;
  const std::vector<Comparison> c = compare(fpga(), b, in);
  ASSERT_EQ(c.size(), 5u);  // "large" (another model at batch 1) is left out
  // same: 1.0 / 0.5 = 2x; throughput 1 / 1 ms = 1,000 seq/s -> 4,000 / 1,000 = 4x;
  // energy 400 W x 1 ms = 400 mJ vs 10 mJ -> 40x.
  EXPECT_EQ(c[0].name, "same");
  EXPECT_TRUE(c[0].comparable);
  EXPECT_DOUBLE_EQ(*c[0].latency_speedup, 2.0);
  EXPECT_DOUBLE_EQ(*c[0].throughput_ratio, 4.0);
  EXPECT_DOUBLE_EQ(*c[0].energy_mj, 400.0);
  EXPECT_DOUBLE_EQ(*c[0].energy_ratio, 40.0);
  EXPECT_FALSE(c[1].comparable);  // sequence length 384
  EXPECT_FALSE(c[1].latency_speedup);
  // MLPerf: shown for reference, 700 W / 9,000 seq/s = 77.78 mJ per sample, no ratios.
  EXPECT_EQ(c[2].name, "mlperf");
  EXPECT_FALSE(c[2].comparable);
  EXPECT_DOUBLE_EQ(*c[2].energy_mj, 700.0 / 9000.0 * 1e3);
  EXPECT_FALSE(c[2].energy_ratio);
  // roofline: 0.2 ms (see above) -> 0.4x; 300 W x 0.2 ms = 60 mJ -> 6x.
  EXPECT_EQ(c[3].name, "roofline g");
  EXPECT_DOUBLE_EQ(*c[3].latency_ms, 0.2);
  EXPECT_DOUBLE_EQ(*c[3].latency_speedup, 0.4);
  EXPECT_DOUBLE_EQ(*c[3].energy_ratio, 6.0);
  // local CPU: 50 ms -> 100x; 65 W x 50 ms = 3,250 mJ -> 325x.
  EXPECT_EQ(c[4].kind, SystemKind::local);
  EXPECT_DOUBLE_EQ(*c[4].latency_speedup, 100.0);
  EXPECT_DOUBLE_EQ(*c[4].energy_ratio, 325.0);
}

// two_nodes() runs in 3,955,520 ps (tests/sim); two boards of 100 W:
// 200 W x 3.95552 us = 0.791104 mJ.
TEST(BuildReport, TinyPlanNumbersAndRenderings) {
  Inputs in;
  in.plan_path = "two-nodes.json";
  in.sequences = 5;
  const Report r = build_report(sim::testing::two_nodes(), Baselines{}, in);
  EXPECT_EQ(r.fpga.fpgas, 2);
  EXPECT_DOUBLE_EQ(r.fpga.latency_ms, 3.95552e-3);
  EXPECT_NEAR(r.fpga.energy_mj, 0.791104, 1e-12);
  EXPECT_DOUBLE_EQ(r.fpga.throughput_seq_per_s, 390'625.0);
  EXPECT_EQ(r.ideal_sim.latency, 2'940'000);
  EXPECT_TRUE(r.comparisons.empty());

  const std::string html = render_html(r);
  std::size_t svgs = 0;
  for (std::size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1))
    ++svgs;
  EXPECT_EQ(svgs, 4u);  // Gantt, utilisation, latency bars, energy bars
  EXPECT_NE(html.find("id=\"render-check\""), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no fetches
  EXPECT_EQ(html.find("src="), std::string::npos);

  const std::string md = render_markdown(r);
  EXPECT_NE(md.find("| latency of one sequence (us) | 3.96 | 2.94 |"), std::string::npos) << md;

  const nlohmann::json j = to_json(r);
  EXPECT_DOUBLE_EQ(j["fpga"]["energy_mj"].get<double>(), r.fpga.energy_mj);
  EXPECT_EQ(j["simulation"]["latency_ps"].get<std::int64_t>(), 3'955'520);
}

TEST(Projection, FillEnergy) {
  ProjectionRow row;
  row.fpgas = 4;
  row.board_power_w = 225;
  row.latency_us = 1000;
  row.throughput_seq_per_s = 2000;
  fill_energy(row);
  EXPECT_DOUBLE_EQ(row.energy_mj, 900.0);         // 900 W x 1 ms
  EXPECT_DOUBLE_EQ(row.energy_stream_mj, 450.0);  // 900 W / 2,000 seq/s
}

hw::Device aie_board() {
  hw::Device d = sim::testing::board();
  d.name = "aie-board";
  d.aie_tiles = 100;
  d.aie_int8_macs_per_cycle = 128;
  d.aie_clock_mhz = 1000;  // 1.28e13 MAC/s per board
  d.resources.bram_bytes = d.resources.uram_bytes = 10'000'000;
  d.offchip_gbytes_per_s = 100;
  return d;
}

// 12 boards, one layer each: 11,173,625,856 MAC / 1.28e13 MAC/s = 872.93952 us, + 11 hops of
// 1 us; throughput 12 x 1.28e13 / 11,173,625,856.
TEST(Projection, AieBoundByHand) {
  hw::Network net = sim::testing::cluster(1).network;
  ProjectionRow r = project_aie_bound(bert(12, 768, 12), aie_board(), 12, net);
  EXPECT_NEAR(r.latency_us, 883.93952, 1e-6);
  EXPECT_NEAR(r.throughput_seq_per_s, 13746.656813063064, 1e-6);
  // 2 boards hold 40 MB < 84.9 MB of weights: they stream at 2 x 100 GB/s (424.7 us), still
  // below the compute time; one hop between the two boards.
  r = project_aie_bound(bert(12, 768, 12), aie_board(), 2, net);
  EXPECT_NEAR(r.latency_us, 873.93952, 1e-6);
  EXPECT_NE(r.note.find("streamed from off-chip"), std::string::npos);
  EXPECT_THROW(project_aie_bound(bert(12, 768, 12), sim::testing::board(), 2, net), core::Error);
}

// The published 6-FPGA encoder repeated for 3 layers: 18 boards, layer l on boards 6l..6l+5.
TEST(Projection, ReplicateLayersShiftsThePlacement) {
  const plan::Plan one = plan::load_plan(std::filesystem::path(ATOLL_SOURCE_DIR) /
                                         "examples/plans/ibert-encoder-6fpga.json");
  const plan::Plan three = replicate_layers(one, 3);
  EXPECT_EQ(three.cluster.nodes.size(), 18u);
  EXPECT_EQ(three.graph.layers, 3);
  EXPECT_EQ(three.graph.kernels.size(), one.graph.kernels.size() * 3 - 4);  // one source, sink
  auto node_of = [&](const std::string& name) {
    for (std::size_t k = 0; k < three.graph.kernels.size(); ++k) {
      if (three.graph.kernels[k].name == name) return three.node_of_kernel[k];
    }
    return -1;
  };
  EXPECT_EQ(node_of("l0.q"), 0);
  EXPECT_EQ(node_of("l2.h5.attention"), 13);
  EXPECT_EQ(node_of("l1.ffn2"), 10);
  EXPECT_EQ(node_of("sink"), 17);
  EXPECT_EQ(three.galapagos.clusters.size(), 3u);  // one cluster per layer
  // Simulated and analytic agree on the deeper plan too.
  const ProjectionRow r = project_plan(three, Method::replicated, 4);
  EXPECT_NEAR(r.latency_us / three.estimate.latency_us, 1.0, 0.01);
  EXPECT_EQ(r.fpgas, 18);
  EXPECT_EQ(three.objective, plan::Objective::manual);
}

// A plan grouped into several Galapagos clusters per layer keeps that grouping in every layer.
TEST(Projection, ReplicateLayersKeepsTheGalapagosGrouping) {
  const plan::Plan shipped = plan::load_plan(std::filesystem::path(ATOLL_SOURCE_DIR) /
                                             "examples/plans/ibert-encoder-6fpga.json");
  using graph::Sublayer;
  const graph::Grouping six{{Sublayer::attention_0},
                            {Sublayer::attention_1, Sublayer::attention_2},
                            {Sublayer::attention_output_0, Sublayer::attention_output_1},
                            {Sublayer::intermediate_0},
                            {Sublayer::intermediate_output_0},
                            {Sublayer::intermediate_output_1}};
  const plan::Plan one =
      plan::make_plan(shipped.model_config, shipped.graph, shipped.cluster, shipped.node_of_kernel,
                      shipped.estimate, shipped.objective, six);
  const plan::Plan three = replicate_layers(one, 3);
  EXPECT_EQ(three.galapagos.grouping, six);
  EXPECT_EQ(three.galapagos.clusters.size(), 18u);
  EXPECT_EQ(three.galapagos, plan::number_galapagos(three.graph, six, three.node_of_kernel));
}

// The plan's split on a board too small for it: does_not_fit, which `atoll report` reports and
// skips (and any other error stops the report).
TEST(Projection, ReplicateLayersChecksTheBoardsFit) {
  plan::Plan one = plan::load_plan(std::filesystem::path(ATOLL_SOURCE_DIR) /
                                   "examples/plans/ibert-encoder-6fpga.json");
  for (hw::Node& n : one.cluster.nodes) n.device.resources.dsp = 1000;
  try {
    replicate_layers(one, 2);
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_EQ(e.kind(), core::ErrorKind::does_not_fit);
    EXPECT_EQ(std::string(e.what()).rfind("placement: node 'fpga0' (sidewinder-100) needs ", 0), 0u)
        << e.what();
  }
}

}  // namespace
}  // namespace atl::report

namespace atl::report {
namespace {

TEST(ReportJson, ProjectionRowsRoundTrip) {
  Inputs in;
  in.sequences = 2;
  ProjectionRow row;
  row.model = "ibert-base";
  row.board = "v80";
  row.method = Method::mapped;
  row.fpgas = 12;
  row.latency_us = 1710.0;
  row.analytic_latency_us = 1703.5;
  row.throughput_seq_per_s = 8138.0;
  row.board_power_w = 190;
  fill_energy(row);
  row.note = "n";
  in.projection = {row};
  const Report r = build_report(sim::testing::two_nodes(), Baselines{}, in);
  const std::vector<ProjectionRow> back = projection_from_json(to_json(r), "r.json");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].board, "v80");
  EXPECT_EQ(back[0].method, Method::mapped);
  EXPECT_EQ(back[0].fpgas, 12);
  EXPECT_DOUBLE_EQ(back[0].energy_mj, 190.0 * 12 * 1710.0 * 1e-3);
  EXPECT_EQ(back[0].note, "n");
  try {
    projection_from_json(nlohmann::json{{"projection", {{{"model", "m"}}}}}, "r.json");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("r.json: projection[0]"), std::string::npos) << e.what();
  }
  nlohmann::json j = to_json(r);
  j["projection"][0]["method"] = "guessed";
  try {
    projection_from_json(j, "r.json");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_STREQ(e.what(),
                 "r.json: projection[0]: method 'guessed' is not replicated, mapped, aie_bound or "
                 "mapped_aie");
  }
  j["projection"][0]["method"] = "mapped";
  j["projection"][0]["fpgas"] = 4294967296;  // was cut to 0 by get<int>
  try {
    projection_from_json(j, "r.json");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_STREQ(
        e.what(),
        "r.json: projection[0].fpgas: expected an integer in [0, 1048576], got 4294967296");
  }
}

TEST(ReportFormat, FromNameOrFileExtension) {
  for (Format f : {Format::html, Format::md, Format::json}) {
    EXPECT_EQ(parse_format(to_string(f), "--format"), f);
  }
  try {
    parse_format("pdf", "report: --format");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_STREQ(e.what(), "report: --format must be html, md or json, got 'pdf'");
  }
  EXPECT_EQ(format_of_path("r.md"), Format::md);
  EXPECT_EQ(format_of_path("dir/r.json"), Format::json);
  EXPECT_EQ(format_of_path("r.htm"), Format::html);
  EXPECT_EQ(format_of_path("report"), Format::html);
  const Report r = build_report(sim::testing::two_nodes(), Baselines{}, Inputs{});
  EXPECT_EQ(render(r, Format::md), render_markdown(r));
  EXPECT_EQ(render(r, Format::json), to_json(r).dump(2) + "\n");
}

}  // namespace
}  // namespace atl::report
