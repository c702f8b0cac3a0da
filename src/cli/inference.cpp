#include "cli/inference.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <vector>

namespace atl::cli {

InferenceResult run_inference(const model::Encoder& encoder, const core::Tensor<std::int8_t>& x,
                              int repeat, bool float_check) {
  InferenceResult r;
  std::vector<std::pair<double, model::StageTimes>> runs;
  for (int i = 0; i < std::max(repeat, 1); ++i) {
    model::StageTimes t;
    const auto t0 = std::chrono::steady_clock::now();
    r.output = encoder.forward(x, &t);
    runs.emplace_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count(),
        t);
  }
  std::sort(runs.begin(), runs.end(), [](auto& a, auto& b) { return a.first < b.first; });
  r.median_ms = runs[runs.size() / 2].first;
  r.stage = runs[runs.size() / 2].second;

  const auto& w = encoder.weights();
  if (!float_check) {
    r.error_unavailable = "skipped (--no-float-check)";
  } else if (!w.scales) {
    r.error_unavailable = "unavailable: the weights carry no scales.json";
  } else {
    auto ref = model::float_forward(w, x);
    r.error = model::compare(r.output, w.scales->back().output, ref);
  }
  return r;
}

void print_inference(const InferenceResult& r) {
  if (r.error) {
    const auto& e = *r.error;
    fmt::print(
        "float reference: max |diff| {:.4f} ({:.1f} LSB of {:.5f}), mean |diff| {:.4f}, "
        "relative L2 error {:.4f}\n",
        e.max_abs, e.max_lsb, e.out_scale, e.mean_abs, e.rel_l2);
  } else {
    fmt::print("float reference: {}\n", r.error_unavailable);
  }
  fmt::print("stages: linear {:.2f} ms, attention {:.2f} ms, other {:.2f} ms\n", r.stage.linear_ms,
             r.stage.attention_ms, r.stage.nonlinear_ms);
  fmt::print("forward: {:.3f} ms\n", r.median_ms);
}

void print_decode_times(double prefill_ms, std::vector<double> decode_ms) {
  fmt::print("prefill: {:.3f} ms\n", prefill_ms);
  if (decode_ms.empty()) {
    fmt::print("decode: no decode step (--new-tokens 1)\n");
    return;
  }
  const auto mid = decode_ms.begin() + static_cast<std::ptrdiff_t>(decode_ms.size() / 2);
  std::nth_element(decode_ms.begin(), mid, decode_ms.end());
  fmt::print("decode: {:.3f} ms/token (median of {})\n", *mid, decode_ms.size());
}

}  // namespace atl::cli
