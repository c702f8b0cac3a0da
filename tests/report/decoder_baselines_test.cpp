#include "report/decoder_baselines.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "graph/architecture.h"
#include "model/config.h"
#include "report/explore.h"

namespace atl::report {
namespace {

std::filesystem::path write(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path;
}

const char* kRow =
    "decoders:\n  - {name: a, kind: gpu, device: g, devices: 2, model: llama-2-7b, phase: decode, "
    "prompt_tokens: 5, latency_ms: 10, tokens_per_s: 100, power_w: 660, precision: bf16, "
    "source: s, grade: M}\n";

void expect_error(const std::string& yaml, const std::string& fragment) {
  const auto path = write("atoll_decoders_bad.yaml", yaml);
  try {
    load_decoder_baselines(path);
    FAIL() << "expected an error with '" << fragment << "'";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

std::string with(const std::string& from, const std::string& to) {
  std::string s = kRow;
  s.replace(s.find(from), from.size(), to);
  return s;
}

TEST(DecoderBaselines, ReadsARow) {
  const std::vector<DecoderBaseline> d = load_decoder_baselines(write("atoll_decoders.yaml", kRow));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_FALSE(d[0].fpga);
  EXPECT_EQ(d[0].devices, 2);
  EXPECT_EQ(d[0].phase, DecoderPhase::decode);
  EXPECT_DOUBLE_EQ(d[0].energy_mj(), 6600);  // 660 W x 10 ms
}

TEST(DecoderBaselines, ErrorsNameTheEntryAndField) {
  expect_error(with("kind: gpu", "kind: tpu"),
               "decoders[0] (a): kind must be one of fpga, gpu, got 'tpu'");
  expect_error(with("phase: decode", "phase: train"), "phase must be one of decode, prefill");
  expect_error(with("devices: 2", "devices: 0"), "devices");
  expect_error(with("latency_ms: 10", "latency_ms: 0"), "latency_ms must be in (0, 1e+07], got 0");
  expect_error(with("tokens_per_s: 100", "tokens_per_s: 90"),
               "tokens_per_s 90 is not 1000 / latency_ms 10");
  expect_error(with("grade: M", "grade: X"), "grade must be one of D, E, M, R, V, got 'X'");
  expect_error(with("source: s, ", ""), "source");
  expect_error(std::string(kRow) + std::string(kRow).substr(10),
               "decoders[1] (a): name used twice");
  expect_error("decoders: []\n", "expected a non-empty 'decoders:' list");
}

TEST(DecoderBaselines, TheShippedFileLoads) {
  const auto path = std::filesystem::path(ATOLL_SOURCE_DIR) / "data/baselines/decoders.yaml";
  const std::vector<DecoderBaseline> d = load_decoder_baselines(path);
  ASSERT_GE(d.size(), 10u);
  const auto find = [&](const std::string& name) {
    for (const DecoderBaseline& b : d) {
      if (b.name == name) return b;
    }
    ADD_FAILURE() << name;
    return DecoderBaseline{};
  };
  // Issue 13 item 6's figures, each checked against its source (decoders.yaml).
  EXPECT_DOUBLE_EQ(find("gpt-fast-a100-80gb-llama-2-7b-bf16").latency_ms, 9.533);
  EXPECT_DOUBLE_EQ(find("gpt-fast-a100-80gb-llama-2-7b-int8wo").latency_ms, 6.428);
  EXPECT_DOUBLE_EQ(find("gpt-fast-8xa100-80gb-llama-2-70b-bf16-tp8").latency_ms, 16.0);
  EXPECT_DOUBLE_EQ(find("trtllm0.5-a100-llama-7b-prefill128-fp16").latency_ms, 16);
  EXPECT_DOUBLE_EQ(find("trtllm0.5-h100-llama-7b-prefill128-fp8").latency_ms, 7);
  EXPECT_DOUBLE_EQ(find("flightllm-vhk158-llama-2-7b-decode").latency_ms, 9.661);
  EXPECT_DOUBLE_EQ(find("flightllm-vhk158-llama-2-7b-prefill128").latency_ms, 289.9);
}

// Llama-2-7B's linear weights: 32 layers x (4 x 4096^2 + 3 x 4096 x 11008) + the LM head
// 4096 x 32000 = 6,607,077,376; at 2 bytes over 2,039 GB/s: 6.4807 ms; int8: half.
TEST(DecoderBaselines, WeightFloorOfLlama2_7B) {
  const auto path = std::filesystem::path(ATOLL_SOURCE_DIR) / "examples/models/llama-2-7b.yaml";
  const Work w = work_of(graph::build_graph(model::load_model_config(path, model::Accept::any)));
  EXPECT_EQ(w.weight_bytes - w.embedding_bytes, 6'607'077'376.0);
  PeakDevice a100;
  a100.name = "a100-80gb-sxm";
  a100.mem_gbps = 2039;
  a100.tdp_w = 400;
  EXPECT_NEAR(weight_floor_ms(w, a100, 1, 2), 6.4807, 1e-4);
  EXPECT_NEAR(weight_floor_ms(w, a100, 2, 1), 6.4807 / 4, 1e-4);
  EXPECT_THROW(weight_floor_ms(w, a100, 0, 2), core::Error);

  DecoderBaseline gpu;
  gpu.name = "g";
  gpu.device = "a100-80gb-sxm";
  gpu.model = "llama-2-7b";
  gpu.latency_ms = 9.5;
  gpu.power_w = 330;
  gpu.precision = "bf16";
  DecoderBaseline fpga = gpu;
  fpga.name = "f";
  fpga.fpga = true;
  fpga.device = "vhk158";
  DecoderBaseline prefill = gpu;
  prefill.name = "p";
  prefill.phase = DecoderPhase::prefill;
  DecoderBaseline other = gpu;
  other.name = "o";
  other.model = "llama-2-70b";
  const std::vector<Anchor> anchors =
      decoder_anchors({gpu, fpga, prefill, other}, {a100}, w, "llama-2-7b");
  ASSERT_EQ(anchors.size(), 3u);
  EXPECT_EQ(anchors[0].kind, SystemKind::gpu);
  EXPECT_DOUBLE_EQ(anchors[0].energy_mj, 330 * 9.5);
  EXPECT_EQ(anchors[1].kind, SystemKind::fpga);
  EXPECT_EQ(anchors[2].kind, SystemKind::roofline);
  EXPECT_EQ(anchors[2].name, "floor: fp16 weights / 2039 GB/s");
  EXPECT_NEAR(anchors[2].latency_ms, 6.4807, 1e-4);
  EXPECT_NEAR(anchors[2].energy_mj, 400 * anchors[2].latency_ms, 1e-9);
}

// The decode simulation's result as a point: per token, all nodes' power.
TEST(DecoderBaselines, DecodePointIsPerToken) {
  sim::DecodeResult r;
  r.boards = 4;
  r.board_power_w = 800;
  r.mean_token_ms = 2.5;
  r.tokens_per_s = 400;
  const ExplorePoint p = decode_point(r, "v80");
  EXPECT_TRUE(p.fits);
  EXPECT_EQ(p.boards, 4);
  EXPECT_DOUBLE_EQ(p.board_power_w, 200);
  EXPECT_DOUBLE_EQ(p.latency_ms, 2.5);
  EXPECT_DOUBLE_EQ(p.energy_mj, 2000);
}

}  // namespace
}  // namespace atl::report
