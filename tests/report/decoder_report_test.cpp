#include "report/decoder_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace atl::report {
namespace {

// Two decode steps of 2 ms and 4 ms (mean 3 ms) on boards drawing 100 W: 0.3 J per token; a
// prefill of 8 tokens in 10 ms (1 J).
sim::DecodeResult result() {
  sim::DecodeResult r;
  r.prompt = 8;
  r.new_tokens = 3;
  r.context = 64;
  r.boards = 2;
  r.board_power_w = 100;
  r.ttft_ms = 10;
  r.positions = {8, 9};
  r.token_ms = {2, 4};
  r.mean_token_ms = 3;
  r.tokens_per_s = 1000.0 / 3;
  r.energy_per_token_j = 0.3;
  r.prefill_energy_j = 1;
  r.critical_path_position = 9;
  r.critical_path = {
      {sim::DecodePathStep::Kind::kernel, "l0.q", "n0", "memory", 0, 3},
      {sim::DecodePathStep::Kind::stream, "l0.q -> l0.attn", "n0 -> n1", "network", 3, 4}};
  return r;
}

DecoderBaseline prefill_row(const std::string& name, std::int64_t prompt) {
  DecoderBaseline b;
  b.name = name;
  b.device = "g";
  b.model = "m";
  b.phase = DecoderPhase::prefill;
  b.prompt_tokens = prompt;
  b.latency_ms = 20;
  b.power_w = 400;
  return b;
}

TEST(DecoderReport, DecodeRatiosAreTheirsOverOurs) {
  Anchor gpu;
  gpu.latency_ms = 6;
  gpu.power_w = 300;
  gpu.energy_mj = 1800;
  const std::vector<DecodeComparison> c = compare_decode(result(), {gpu});
  ASSERT_EQ(c.size(), 1u);
  EXPECT_DOUBLE_EQ(c[0].latency_speedup, 2.0);  // 6 ms / 3 ms
  EXPECT_DOUBLE_EQ(c[0].energy_ratio, 6.0);     // 1800 mJ / 300 mJ
}

TEST(DecoderReport, PrefillComparesOnlyTheSamePromptOfTheSameModel) {
  DecoderBaseline decode = prefill_row("decode", 8);
  decode.phase = DecoderPhase::decode;
  DecoderBaseline other = prefill_row("other-model", 8);
  other.model = "x";
  const std::vector<PrefillComparison> c = compare_prefill(
      result(), {prefill_row("same", 8), prefill_row("longer", 128), decode, other}, "m");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].baseline.name, "same");
  EXPECT_TRUE(c[0].comparable);
  EXPECT_DOUBLE_EQ(*c[0].latency_speedup, 2.0);  // 20 ms / 10 ms
  EXPECT_DOUBLE_EQ(*c[0].energy_ratio, 8.0);     // 400 W x 20 ms = 8000 mJ / 1000 mJ
  EXPECT_EQ(c[1].baseline.name, "longer");
  EXPECT_FALSE(c[1].comparable);
  EXPECT_FALSE(c[1].latency_speedup);
  EXPECT_FALSE(c[1].energy_ratio);
}

DecoderReport report() {
  DecoderReport r;
  r.inputs.plan_path = "p.json";
  r.plan.graph.model = "m";
  r.plan.cluster.name = "c";
  r.plan.cluster.nodes = {{"n0", {}}, {"n1", {}}};
  r.plan.cluster.nodes[0].device.name = "u280";
  r.sim = result();
  r.energy_per_token_mj = 300;
  r.prefill_energy_mj = 1000;
  Anchor gpu;
  gpu.name = "gpu";
  gpu.device = "a100";
  gpu.grade = "M";
  gpu.latency_ms = 6;
  gpu.power_w = 300;
  gpu.energy_mj = 1800;
  r.decode = compare_decode(r.sim, {gpu});
  r.prefill = compare_prefill(r.sim, {prefill_row("same", 8)}, "m");
  return r;
}

TEST(DecoderReport, MarkdownHasTheComparisonAndThePath) {
  const std::string m = render(report(), Format::md);
  EXPECT_NE(m.find("| gpu | a100 | gpu | 6 | 300 | 1800 | 2x | 6x | M |"), std::string::npos) << m;
  EXPECT_NE(m.find("| same | 1 x g | 8 | 20 | 400 | 8000 | 2x | 8x |  |"), std::string::npos) << m;
  EXPECT_NE(m.find("| kernels, memory-bound | 3.000 |"), std::string::npos) << m;
  EXPECT_NE(m.find("| streams over the network | 1.000 |"), std::string::npos) << m;
  EXPECT_NE(m.find("| 9 | 4.0000 |"), std::string::npos) << m;
}

TEST(DecoderReport, JsonAndHtml) {
  const nlohmann::json j = decoder_to_json(report());
  EXPECT_EQ(j["kind"], "decoder");
  EXPECT_EQ(j["decode"][0]["latency_speedup"], 2.0);
  EXPECT_EQ(j["prefill"][0]["energy_ratio"], 8.0);
  EXPECT_EQ(j["simulation"]["mean_token_ms"], 3.0);
  const std::string h = render(report(), Format::html);
  EXPECT_NE(h.find("<td class=\"\">2x</td><td class=\"\">6x</td>"), std::string::npos);
  EXPECT_NE(h.find("id=\"render-check\""), std::string::npos);
}

}  // namespace
}  // namespace atl::report
