// `atoll build --csim`: after writing the bundle, runs its C simulation (`make csim` in the
// bundle, codegen/csim.h) on an input chosen with the input options of `atoll run`, and writes
// the output as `atoll infer` writes its own.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "cli/model_options.h"
#include "core/tensor.h"
#include "plan/plan.h"

namespace atl::cli {

struct CsimOptions {
  bool run = false;
  std::string output;  // --csim-output; empty: <bundle>/output.npy
  InputOptions input;
  double timeout_s = 3600;
};

// --csim, --csim-output, --csim-timeout and the input options (--input | --random-input,
// --input-seed, --tokens).
void add_csim_options(CLI::App& cmd, CsimOptions& o);

// The input of the simulation, checked against the plan's model before anything is built
// (nothing without --csim). Throws core::Error naming the option or file.
std::optional<core::Tensor<std::int8_t>> csim_input(const CsimOptions& o, const plan::Plan& plan);

// Writes `input` to <bundle>/input.npy and runs `make -C <bundle> -j2 csim` with the compiler's
// progress on stderr, which writes the output .npy. Throws core::Error: unsupported when make or
// the C++ compiler is missing, failed when the simulation fails, timeout after --csim-timeout.
void run_csim(const CsimOptions& o, const core::Tensor<std::int8_t>& input,
              const std::filesystem::path& bundle);

}  // namespace atl::cli
