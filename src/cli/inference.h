// One run of the single-process integer reference with its float comparison, shared by the
// `infer` and `demo` verbs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "model/encoder.h"
#include "model/float_reference.h"

namespace atl::cli {

struct InferenceResult {
  core::Tensor<std::int8_t> output;
  double median_ms = 0;                    // forward time, loading excluded
  model::StageTimes stage;                 // of the median run
  std::optional<model::ErrorStats> error;  // vs the float reference, when scales are known
  std::string error_unavailable;           // why not, otherwise
};

// Runs `repeat` forwards (reports the median) and compares the result with the float reference.
InferenceResult run_inference(const model::Encoder& encoder, const core::Tensor<std::int8_t>& x,
                              int repeat, bool float_check);

// Prints the summary lines (error, stage split, "forward: <ms> ms").
void print_inference(const InferenceResult& r);

// A decoder's times as `generate` and `run` print them: `prefill: <ms> ms` and
// `decode: <median> ms/token (median of N)` (or that there was no decode step).
void print_decode_times(double prefill_ms, std::vector<double> decode_ms);

}  // namespace atl::cli
