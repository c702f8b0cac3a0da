// build_decoder_report(): simulate the decoder plan generating, compare with published results.
#include "report/decoder_report.h"

#include <fmt/format.h>

#include "core/error.h"
#include "report/work.h"
#include "sim/decode.h"

namespace atl::report {

std::vector<DecodeComparison> compare_decode(const sim::DecodeResult& sim,
                                             const std::vector<Anchor>& anchors) {
  const double ours_mj = sim.energy_per_token_j * 1e3;
  std::vector<DecodeComparison> out;
  for (const Anchor& a : anchors) {
    out.push_back({a, sim.mean_token_ms > 0 ? a.latency_ms / sim.mean_token_ms : 0,
                   ours_mj > 0 ? a.energy_mj / ours_mj : 0});
  }
  return out;
}

std::vector<PrefillComparison> compare_prefill(const sim::DecodeResult& sim,
                                               const std::vector<DecoderBaseline>& baselines,
                                               const std::string& model) {
  const double ours_mj = sim.prefill_energy_j * 1e3;
  std::vector<PrefillComparison> out;
  for (const DecoderBaseline& b : baselines) {
    if (b.model != model || b.phase != DecoderPhase::prefill) continue;
    PrefillComparison c{b, b.prompt_tokens == sim.prompt, {}, {}};
    if (c.comparable && sim.ttft_ms > 0) c.latency_speedup = b.latency_ms / sim.ttft_ms;
    if (c.comparable && ours_mj > 0) c.energy_ratio = b.energy_mj() / ours_mj;
    out.push_back(std::move(c));
  }
  return out;
}

DecoderReport build_decoder_report(const plan::Plan& plan,
                                   const std::vector<DecoderBaseline>& baselines,
                                   const std::vector<PeakDevice>& devices,
                                   const DecoderInputs& inputs) {
  if (inputs.new_tokens < 2) {
    throw core::Error(fmt::format(
        "report: --new-tokens {}: a decoder report needs at least 2 (one decode step to time)",
        inputs.new_tokens));
  }
  DecoderReport r;
  r.inputs = inputs;
  r.plan = plan;
  sim::DecodeOptions options;
  options.prompt = inputs.prompt;
  options.new_tokens = inputs.new_tokens;
  r.sim = sim::simulate_decoder(plan, options);
  r.energy_per_token_mj = r.sim.energy_per_token_j * 1e3;
  r.prefill_energy_mj = r.sim.prefill_energy_j * 1e3;
  r.decode = compare_decode(
      r.sim, decoder_anchors(baselines, devices, work_of(plan.graph), plan.graph.model));
  r.prefill = compare_prefill(r.sim, baselines, plan.graph.model);
  return r;
}

}  // namespace atl::report
