// The verbs of the `atoll` command, one file each. Every add_* registers a CLI11 subcommand
// whose callback does the work; errors are thrown as core::Error and printed by main as one line.
#pragma once

#include <CLI/CLI.hpp>

namespace atl::cli {

// Thrown by a verb to end the program with `code` after printing its own output.
struct Exit {
  int code;
};

void add_verify_golden(CLI::App& app);
void add_infer(CLI::App& app);
void add_demo(CLI::App& app);
void add_map(CLI::App& app);
void add_devices(CLI::App& app);
void add_run(CLI::App& app);
void add_node(CLI::App& app);
void add_simulate(CLI::App& app);
void add_report(CLI::App& app);
void add_explore(CLI::App& app);
void add_generate(CLI::App& app);
void add_build(CLI::App& app);

}  // namespace atl::cli
