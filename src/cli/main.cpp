// atoll: describe, map, run, estimate and build transformers on clusters of FPGAs.
#include <cstdio>
#include <exception>

#include <fmt/format.h>

#include "cli/verbs.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{
      "atoll: run integer transformers (I-BERT) on clusters of FPGAs: describe, map, run "
      "bit-exactly on software nodes, estimate, build.",
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const atl::cli::Exit& e) {
    return e.code;
  } catch (const atl::core::Error& e) {
    fmt::print(stderr, "atoll: error: {}\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "atoll: internal error: {}\n", e.what());
    return 2;
  }
  return 0;
}
