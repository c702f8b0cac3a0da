// `atoll build --csim`: after writing the bundle, runs its C simulation (`make csim` in the
// bundle, codegen/csim.h) on an input chosen with the input options of `atoll run`, and writes
// the output as `atoll infer` writes its own.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

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

// Runs `argv` (argv[0] on PATH or a path) with its stdout on this process's stderr and returns
// its exit status; core::Error (kind timeout) after `timeout_s`.
int run_to_stderr(const std::vector<std::string>& argv, double timeout_s);

// Throws core::Error (kind unsupported) naming the tool unless make and the C++ compiler ($CXX,
// default g++) are on PATH; `what` names the option in the message.
void require_compiler(const std::string& what);

}  // namespace atl::cli
