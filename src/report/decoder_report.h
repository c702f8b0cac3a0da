// The report of a decoder plan (`atoll report` on a llama/gpt2 decoder plan): the plan generating
// text (sim::simulate_decoder: time to first token, per-token latency against the position,
// tokens/s, energy per token, the critical path of one decode step) next to the published batch-1
// results of the same model (data/baselines/decoders.yaml: GPUs, FPGA systems) and the GPUs'
// weight-bytes / memory-bandwidth floors (explore's decoder_anchors).
//
// Ratios, as in the encoder report (report.h): latency speedup = their ms / ours (> 1: the FPGAs
// are faster), energy advantage = their mJ / ours (> 1: the FPGAs use less), energy = power x
// time with TDP / board power (upper bounds on both sides).
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "plan/plan.h"
#include "report/decoder_baselines.h"
#include "report/explore.h"
#include "report/report.h"
#include "sim/decode_result.h"

namespace atl::report {

struct DecoderInputs {
  std::string plan_path;
  std::int64_t prompt = 128, new_tokens = 32;  // explore's defaults
};

// One published decode result or weight floor against the plan's decode step.
struct DecodeComparison {
  Anchor anchor;  // per token: latency_ms, energy_mj
  double latency_speedup = 0, energy_ratio = 0;
};

// One published prefill (time to first token) against the plan's; comparable when the prompts
// are the same length.
struct PrefillComparison {
  DecoderBaseline baseline;
  bool comparable = false;
  std::optional<double> latency_speedup, energy_ratio;
};

struct DecoderReport {
  DecoderInputs inputs;
  plan::Plan plan;
  sim::DecodeResult sim;
  double energy_per_token_mj = 0, prefill_energy_mj = 0;
  std::vector<DecodeComparison> decode;
  std::vector<PrefillComparison> prefill;
};

// The comparisons alone (build_decoder_report calls them); `sim` has at least one decode step.
std::vector<DecodeComparison> compare_decode(const sim::DecodeResult& sim,
                                             const std::vector<Anchor>& anchors);
std::vector<PrefillComparison> compare_prefill(const sim::DecodeResult& sim,
                                               const std::vector<DecoderBaseline>& baselines,
                                               const std::string& model);

// Simulates the plan generating inputs.new_tokens (>= 2) after inputs.prompt tokens and compares
// it with `baselines` of the plan's model and the floors of `devices` (gpu.yaml). Throws what
// sim::simulate_decoder throws, and core::Error for fewer than 2 new tokens.
DecoderReport build_decoder_report(const plan::Plan& plan,
                                   const std::vector<DecoderBaseline>& baselines,
                                   const std::vector<PeakDevice>& devices,
                                   const DecoderInputs& inputs);

std::string render_decoder_html(const DecoderReport& report);
std::string render_decoder_markdown(const DecoderReport& report);
nlohmann::json decoder_to_json(const DecoderReport& report);
// The report as text in `format` (JSON indented by 2, with a final newline).
std::string render(const DecoderReport& report, Format format);

}  // namespace atl::report
