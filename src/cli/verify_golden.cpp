// `atoll verify-golden [DIR]`: runs every kernel of every layer of the I-BERT golden data and
// compares every output bit-exactly. Prints one row per kernel and ends with "N passed, M failed";
// the exit code is 0 only when every checked output matches.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "cli/verbs.h"
#include "verify/golden.h"

namespace atl::cli {

void add_verify_golden(CLI::App& app) {
  auto dir = std::make_shared<std::string>("../shared/golden/ibert");
  CLI::App* cmd = app.add_subcommand("verify-golden",
                                     "Check every integer kernel bit-exactly against the I-BERT "
                                     "golden data (encoder/<layer>/...)");
  cmd->add_option("dir", *dir, "Golden data root (holds encoder/)")->capture_default_str();
  cmd->callback([dir] {
    const auto rows = verify::verify_golden_dir(*dir);
    int passed = 0;
    int failed = 0;
    fmt::print("{:<6} {:<34} {:>10} {:>11} {:>10}\n", "layer", "kernel", "elements", "mismatches",
               "max |diff|");
    for (const auto& r : rows) {
      if (r.is_skipped()) {
        fmt::print("{:<6} {:<34} skipped: {}\n", r.layer, r.kernel, r.skipped);
        continue;
      }
      fmt::print("{:<6} {:<34} {:>10} {:>11} {:>10}{}\n", r.layer, r.kernel, r.elements,
                 r.mismatches, r.max_abs_diff, r.passed() ? "" : "  FAIL");
      (r.passed() ? passed : failed) += 1;
    }
    fmt::print("{} passed, {} failed\n", passed, failed);
    if (failed != 0) throw Exit{1};
  });
}

}  // namespace atl::cli
