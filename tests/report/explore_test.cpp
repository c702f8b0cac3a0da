#include "report/explore.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../sim/tiny_plans.h"
#include "core/error.h"
#include "sim/sim.h"

namespace atl::report {
namespace {

ExplorePoint point(std::string board, int boards, double latency_ms, double energy_mj) {
  ExplorePoint p;
  p.board = std::move(board);
  p.cluster = boards;
  p.boards = boards;
  p.fits = true;
  p.latency_ms = latency_ms;
  p.energy_mj = energy_mj;
  p.board_power_w = 100;
  return p;
}

ExplorePoint misfit(std::string board, int cluster) {
  ExplorePoint p;
  p.board = std::move(board);
  p.cluster = cluster;
  p.why_not = "dsp: 30 needed";
  return p;
}

void expect_error(const std::string& text, const std::string& fragment) {
  try {
    parse_cluster_sizes(text, "--fpgas");
    FAIL() << "expected an error with '" << fragment << "' for '" << text << "'";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Explore, ClusterSizesFromListsAndDoublingRanges) {
  EXPECT_EQ(parse_cluster_sizes("1..128", "x"), (std::vector<int>{1, 2, 4, 8, 16, 32, 64, 128}));
  EXPECT_EQ(parse_cluster_sizes("3..20", "x"), (std::vector<int>{3, 6, 12, 20}));
  EXPECT_EQ(parse_cluster_sizes("8,1,2,8", "x"), (std::vector<int>{1, 2, 8}));
  EXPECT_EQ(parse_cluster_sizes("1..4,6", "x"), (std::vector<int>{1, 2, 4, 6}));
  EXPECT_EQ(parse_cluster_sizes("4096", "x"), (std::vector<int>{4096}));
}

TEST(Explore, ClusterSizesRejectEmptyAndOutOfRange) {
  expect_error("", "--fpgas: empty sweep: no cluster sizes in ''");
  expect_error(",", "empty sweep");
  expect_error("0", "--fpgas: expected 1 to 4096 FPGAs, got 0");
  expect_error("1..5000", "expected 1 to 4096 FPGAs, got 5000");
  expect_error("8..2", "--fpgas: range '8..2' is empty (8 > 2)");
  expect_error("two", "'two' is not a cluster size");
  expect_error("1..", "'' is not a cluster size");
  expect_error("99999999999999999999", "is not a cluster size");
}

TEST(Explore, ObjectiveNames) {
  EXPECT_EQ(parse_explore_objective("energy", "x"), ExploreObjective::energy);
  EXPECT_STREQ(to_string(ExploreObjective::throughput), "throughput");
  EXPECT_THROW(parse_explore_objective("cost", "x"), core::Error);
}

// b (2 boards, 1 ms, 5 mJ) dominates d (4 boards, 2 ms, 6 mJ); c repeats a exactly (the first
// stays); misfits never enter.
TEST(Explore, ParetoFrontDropsDominatedAndDuplicatePoints) {
  const std::vector<ExplorePoint> points{point("u", 1, 4, 4), misfit("v", 1),
                                         point("u", 2, 1, 5), point("u", 1, 4, 4),
                                         point("v", 4, 2, 6), point("v", 8, 0.5, 20)};
  EXPECT_EQ(pareto_front(points, ExploreObjective::latency), (std::vector<std::size_t>{5, 2, 0}));
  EXPECT_EQ(pareto_front(points, ExploreObjective::energy), (std::vector<std::size_t>{0, 2, 5}));
}

// Anchor: 1.5 ms, 5.5 mJ. Faster: points 2 (2 boards) and 5 (8 boards): the cheaper wins.
// Greener: points 0 and 2 (4 and 5 mJ): 0 has one board.
TEST(Explore, AnswersAreTheCheapestWinners) {
  Exploration e;
  e.points = {point("u", 1, 4, 4), misfit("v", 1), point("u", 2, 1, 5), point("v", 8, 0.5, 20)};
  Anchor a;
  a.name = "gpu-x";
  a.device = "x";
  a.latency_ms = 1.5;
  a.energy_mj = 5.5;
  Anchor fast = a;
  fast.name = "gpu-fast";
  fast.latency_ms = 0.1;
  fast.energy_mj = 1;
  conclude(e, {a, fast});
  ASSERT_EQ(e.answers.size(), 2u);
  EXPECT_EQ(*e.answers[0].faster, 2u);
  EXPECT_EQ(*e.answers[0].greener, 0u);
  EXPECT_FALSE(e.answers[1].faster);
  EXPECT_FALSE(e.answers[1].greener);
  const std::vector<std::string> lines = answer_lines(e);
  EXPECT_EQ(lines[0],
            "vs gpu-x (x, 1.5 ms, 5.5 mJ per inference): latency: 2 x u (1 ms); energy: 1 x u "
            "(4 mJ)");
  EXPECT_EQ(lines[1],
            "vs gpu-fast (x, 0.1 ms, 1 mJ per inference): latency: none of the 3 fitting points "
            "(fastest: 8 x v at 0.5 ms); energy: none of the 3 fitting points (least: 1 x u at 4 "
            "mJ)");
}

TEST(Explore, AnchorsAreTheSameModelLengthAndBatch) {
  Baselines b;
  const auto add = [&](std::string name, std::string model, std::int64_t seq,
                       std::optional<std::int64_t> batch, std::optional<double> ms) {
    Baseline x;
    x.name = std::move(name);
    x.device = "g";
    x.model = std::move(model);
    x.seq_len = seq;
    x.batch = batch;
    x.latency_ms = ms;
    x.power_w = 400;
    b.entries.push_back(x);
  };
  add("ok", "bert-base", 128, 1, 0.5);
  add("large", "bert-large", 128, 1, 1.0);
  add("s384", "bert-base", 384, 1, 1.1);
  add("b128", "bert-base", 128, 128, 8.0);
  add("mlperf", "bert-base", 128, std::nullopt, std::nullopt);
  const std::vector<Anchor> one = encoder_anchors(b, "bert-base", 128, 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].name, "ok");
  EXPECT_DOUBLE_EQ(one[0].energy_mj, 200);  // 400 W x 0.5 ms
  const std::vector<Anchor> batch = encoder_anchors(b, "bert-base", 128, 128);
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_DOUBLE_EQ(batch[0].energy_mj, 25);  // 400 W x 8 ms / 128
}

// two_nodes() runs one sequence in 3,955,520 ps on two boards of 100 W (tests/sim):
// 200 W x 3.95552 us = 0.791104 mJ. A batch of 3 takes the throughput run's makespan.
TEST(Explore, SimulatePointOfATinyPlan) {
  const plan::Plan plan = sim::testing::two_nodes();
  const ExplorePoint p = simulate_point(plan, 1);
  EXPECT_TRUE(p.fits);
  EXPECT_EQ(p.boards, 2);
  EXPECT_EQ(p.cluster, 2);
  EXPECT_DOUBLE_EQ(p.board_power_w, 100);
  EXPECT_DOUBLE_EQ(p.latency_ms, 3.95552e-3);
  EXPECT_NEAR(p.energy_mj, 0.791104, 1e-12);
  EXPECT_DOUBLE_EQ(p.throughput_per_s, 1e12 / 3'955'520.0);  // one sequence: 1 / latency

  sim::Options o;
  o.sequences = 3;
  const ExplorePoint three = simulate_point(plan, 3);
  EXPECT_DOUBLE_EQ(three.latency_ms, static_cast<double>(sim::simulate(plan, o).makespan) / 1e9);
  EXPECT_GT(three.latency_ms, p.latency_ms);
  EXPECT_NEAR(three.energy_mj, 200 * three.latency_ms / 3, 1e-12);
}

TEST(Explore, RenderingsCarryTheFrontAndTheAnswers) {
  Exploration e;
  e.model = "m";
  e.seq_len = 128;
  e.topology = "switch";
  e.points = {point("u", 1, 4, 4), misfit("v", 1), point("u", 2, 1, 5)};
  Anchor a;
  a.name = "gpu-x";
  a.device = "x";
  a.latency_ms = 1.5;
  a.energy_mj = 5.5;
  conclude(e, {a});
  const std::string md = render_explore_markdown(e);
  EXPECT_NE(md.find("- vs gpu-x (x, 1.5 ms"), std::string::npos) << md;
  EXPECT_NE(md.find("| v | 1 | does not fit | dsp: 30 needed |"), std::string::npos) << md;
  EXPECT_NE(md.find("| u | 2 | 2 | 1 |"), std::string::npos) << md;
  const std::string html = render_explore_html(e);
  EXPECT_NE(html.find("<polyline class=\"front\""), std::string::npos);
  EXPECT_NE(html.find("<line class=\"anchor gpu\""), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));  // no fetches
  const nlohmann::json j = explore_to_json(e);
  EXPECT_EQ(j["front"], nlohmann::json({2, 0}));
  EXPECT_EQ(j["answers"][0]["faster"], 2);
  EXPECT_EQ(j["points"][1]["why_not"], "dsp: 30 needed");
}

}  // namespace
}  // namespace atl::report
