// atoll: describe, map, run, estimate and build transformers on clusters of FPGAs.
#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "cli/verbs.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{
      "atoll: run integer transformers on clusters of FPGAs (I-BERT encoders: describe, map, run "
      "bit-exactly on software nodes, estimate, build the Galapagos bundle; Llama and GPT-2 "
      "decoders: generate on one machine).",
      "atoll"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Print help for every verb");
  atl::cli::add_verify_golden(app);
  atl::cli::add_infer(app);
  atl::cli::add_demo(app);
  atl::cli::add_map(app);
  atl::cli::add_devices(app);
  atl::cli::add_run(app);
  atl::cli::add_node(app);
  atl::cli::add_simulate(app);
  atl::cli::add_report(app);
  atl::cli::add_explore(app);
  atl::cli::add_generate(app);
  atl::cli::add_build(app);
  // Exit codes (README): 0 success, 1 the input or the run failed, 2 usage (a bad option),
  // 3 a bug in atoll. CLI11's own codes never reach the shell.
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e);
    return 0;
  } catch (const CLI::CallForAllHelp& e) {
    app.exit(e);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    app.exit(e);
    return 0;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const atl::cli::Exit& e) {
    return e.code;
  } catch (const atl::core::Error& e) {
    if (e.kind() == atl::core::ErrorKind::internal) {
      fmt::print(stderr, "atoll: internal error (a bug): {}\n", e.what());
      return 3;
    }
    fmt::print(stderr, "atoll: error: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "atoll: internal error (a bug): {}\n", e.what());
    return 3;
  }
  return 0;
}
