// Bit-exact verification of the kernels against the I-BERT golden data
// (../shared/golden/ibert, layout encoder/<layer>/<sub-layer>/<kernel>/<file>.npy; see
// docs/kernels.md for what every file is).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace atl::verify {

// One checked (or skipped) kernel of one layer.
struct KernelCheck {
  std::string layer;              // "0", "1", ...
  std::string kernel;             // "<sub-layer>/<kernel>", e.g. "self_attention/softmax"
  std::int64_t elements = 0;      // output values compared (all output files of the kernel)
  std::int64_t mismatches = 0;    // values that differ
  std::int64_t max_abs_diff = 0;  // largest |computed - golden| (saturated to int64)
  std::string skipped;            // non-empty: not a pass/fail check, and why

  bool is_skipped() const { return !skipped.empty(); }
  bool passed() const { return skipped.empty() && mismatches == 0; }
};

// Runs every kernel of every layer under `dir` (the golden root holding encoder/) and compares
// every output file. Unknown kernel folders, missing or malformed files and shape mismatches
// are core::Error naming the folder or file. Kernels whose inputs are absent from the golden
// set (the FFN weights) and float-reference debug files are reported as skipped with a reason.
std::vector<KernelCheck> verify_golden_dir(const std::filesystem::path& dir);

}  // namespace atl::verify
