// `atoll build --verify-golden DIR`: every generated compute kernel of the bundle, compiled as
// the C simulation compiles it (csim/sim --kernel), run alone on the golden inputs of its layer
// (DIR/encoder/<layer>/..., the layout of ../shared/golden/ibert and `atoll verify-golden`) and
// its output compared value for value with the golden output (its part's columns, its head's
// file). Meaningful when the bundle holds the golden weights (`--weights`: a weights folder
// in the golden layout; the golden set itself lacks the FFN weights, whose kernels are skipped).
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>

#include "plan/plan.h"

namespace atl::cli {

// --verify-golden DIR.
void add_golden_option(CLI::App& cmd, std::string& dir);

// Throws core::Error naming DIR unless it holds encoder/ (checked before anything is built).
void check_golden_dir(const std::string& dir);

// Builds <bundle>/csim/sim, runs every compute kernel of a layer DIR holds on that layer's golden
// inputs and prints one line per kernel and a summary. Throws core::Error (kind failed) when a
// kernel's output differs; (unsupported) without make or a compiler.
void verify_golden_kernels(const plan::Plan& plan, const std::filesystem::path& dir,
                           const std::filesystem::path& bundle, double timeout_s);

}  // namespace atl::cli
